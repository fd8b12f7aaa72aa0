import type { FastifyInstance } from 'fastify';
import { API_PREFIX } from '../contract/api-path.js';

export interface CorsPolicy {
  /** PRODIMG_CORS_ORIGINS: a list of origins, '*', or undefined for this server's own origins. */
  origins: readonly string[] | '*' | undefined;
  /** PRODIMG_BASE_DOMAIN: `http://<store>.<it>:<port>` is one of this server's own origins. */
  baseDomain: string;
  /** PRODIMG_PUBLIC_URL as `//host[:port][/path]`, when set: its origin is this server's own too. */
  publicUrl: string | undefined;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether a browser page at `origin` may call the API on this server, which the request reached
 * as `host` (its Host header). By default only the server's own origins may: the addresses it is
 * reached at on this machine and its stores' addresses (`<store>.<base domain>`), at the port the
 * request came to, and PRODIMG_PUBLIC_URL. So the reference at /docs, opened at one of them, can
 * send requests to another. Pure, for the table test.
 */
export function corsAllows(policy: CorsPolicy, origin: string, host: string | undefined): boolean {
  if (policy.origins === '*') return true;
  const url = webOrigin(origin);
  if (!url) return false;
  if (policy.origins) return policy.origins.includes(url.origin);
  return isOwnOrigin(policy, url, host);
}

/**
 * Whether a page at `origin` may drive this server's control endpoints (the stand-in's reset,
 * journal and faults): one of the server's own origins, or one PRODIMG_CORS_ORIGINS lists by name.
 * `*` does not count: it opens the API's reads to any page, not the power to wipe the data.
 */
export function ownOrListedOrigin(policy: CorsPolicy, origin: string, host: string | undefined): boolean {
  const url = webOrigin(origin);
  if (!url) return false;
  return (Array.isArray(policy.origins) && policy.origins.includes(url.origin)) || isOwnOrigin(policy, url, host);
}

/** An http(s) origin as a URL; null for anything else (`null`, `file://`, garbage). */
function webOrigin(origin: string): URL | null {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
}

function isOwnOrigin(policy: CorsPolicy, url: URL, host: string | undefined): boolean {
  if (policy.publicUrl && url.host === policy.publicUrl.slice(2).split('/')[0]) return true;
  const name = url.hostname;
  const own = LOOPBACK.has(name) || name === policy.baseDomain || name.endsWith(`.${policy.baseDomain}`);
  return own && url.port === portOf(host);
}

/** The port of a Host header as URL.port gives it: '' for none (80 over http). */
function portOf(host: string | undefined): string {
  const port = host ? /:(\d+)$/.exec(host)?.[1] : undefined;
  return port === undefined || port === '80' ? '' : port;
}

/** What a browser may send and read across origins. */
const ALLOW_METHODS = 'GET, POST, PUT, DELETE';
const ALLOW_HEADERS = 'Access-Token, Content-Type';
const EXPOSE_HEADERS = 'Request-Id, Retry-After';
const MAX_AGE_S = '600';

/**
 * CORS for the API (`/openapi/...`): a preflight is answered here, before admission (a browser sends
 * it without the token) and before any body is read; answers to an allowed origin say it may read
 * them. Any other OPTIONS finds no route: the usual 404.
 */
export function registerCors(app: FastifyInstance, policy: CorsPolicy): void {
  app.addHook('onRequest', (request, reply, done) => {
    const origin = request.headers.origin;
    if (origin === undefined || !request.url.startsWith(`${API_PREFIX}/`)) return done();
    reply.raw.setHeader('Vary', 'Origin');
    const allowed = corsAllows(policy, origin, request.headers.host);
    if (allowed) {
      reply.raw.setHeader('Access-Control-Allow-Origin', origin);
      reply.raw.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    }
    if (request.method !== 'OPTIONS' || request.headers['access-control-request-method'] === undefined) return done();
    if (allowed) {
      reply.raw.setHeader('Access-Control-Allow-Methods', ALLOW_METHODS);
      reply.raw.setHeader('Access-Control-Allow-Headers', ALLOW_HEADERS);
      reply.raw.setHeader('Access-Control-Max-Age', MAX_AGE_S);
    }
    reply.code(204).send();
  });
}
