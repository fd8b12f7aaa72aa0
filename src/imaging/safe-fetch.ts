import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { isForbiddenAddress } from './address-guard.js';
import { FetchFailure, type FetchFailureReason } from './fetch-failure.js';
import { createGuardedConnector, type Resolve, systemResolve } from './guarded-connector.js';

export interface SafeFetchOptions {
  /** Lifts the address guard, for local development and tests only. */
  allowPrivate?: boolean;
  /** Largest body accepted, in bytes. Default 20 MiB. */
  maxBytes?: number;
  /** Default 5. */
  maxRedirects?: number;
  /** Time to resolve the name and open the connection (TLS included). Default 10 s. */
  connectTimeoutMs?: number;
  /** Time for the whole download, every hop and the body included. Default 30 s. */
  totalTimeoutMs?: number;
  /** Which peer addresses to refuse; defaults to `isForbiddenAddress`. Ignored with allowPrivate. */
  isForbidden?: (ip: string) => boolean;
  resolve?: Resolve;
}

export interface FetchedBody {
  bytes: Buffer;
  contentType: string | undefined;
  finalUrl: string;
}

export const FETCH_DEFAULTS = {
  maxBytes: 20 * 1024 * 1024,
  maxRedirects: 5,
  connectTimeoutMs: 10_000,
  totalTimeoutMs: 30_000,
} as const;

type Limits = { maxBytes: number; maxRedirects: number; connectTimeoutMs: number; totalTimeoutMs: number };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Downloads a URL given by an API client without letting that client reach our own network, hold a
 * request open forever or fill our memory. Every failure is a FetchFailure. This one-off form opens
 * its own connections and closes them all afterwards; a server uses createSafeFetcher.
 */
export async function safeFetch(url: string, options: SafeFetchOptions = {}): Promise<FetchedBody> {
  const fetcher = createSafeFetcher(options);
  try {
    return await fetcher.fetch(url);
  } finally {
    await fetcher.close();
  }
}

export interface SafeFetcher {
  fetch(url: string): Promise<FetchedBody>;
  /** Closes every connection, idle or not. */
  close(): Promise<void>;
}

/**
 * safeFetch with one pool of kept-alive connections for every download: a second file from the same
 * origin skips the connection set-up. Reuse is as safe as a new connection: each connection is
 * checked by the guarded connector when it opens (its peer address never changes), it is only reused
 * for the same origin, and a download that fails or times out destroys its connection rather than
 * returning it to the pool. Idle connections close after a few seconds.
 */
export function createSafeFetcher(options: SafeFetchOptions = {}): SafeFetcher {
  const settings = { ...FETCH_DEFAULTS, ...stripUndefined(options) };
  const isForbidden = options.allowPrivate ? () => false : (options.isForbidden ?? isForbiddenAddress);
  const agent = new Agent({
    connect: createGuardedConnector({ timeoutMs: settings.connectTimeoutMs, isForbidden, resolve: options.resolve ?? systemResolve }),
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 10_000,
  });
  return {
    fetch: (url) => download(url, agent, settings, isForbidden),
    close: () => agent.destroy().catch(() => undefined),
  };
}

async function download(
  url: string,
  agent: Agent,
  { maxBytes, maxRedirects, connectTimeoutMs, totalTimeoutMs }: Limits,
  isForbidden: (ip: string) => boolean,
): Promise<FetchedBody> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), totalTimeoutMs);
  try {
    const start = httpUrl(url);
    if (start === null) throw new FetchFailure({ kind: 'invalid-url' });
    let current: URL = start;
    for (let redirects = 0; ; redirects++) {
      refuseForbiddenLiteral(current, isForbidden);
      const response = await request(current, {
        dispatcher: agent,
        signal: deadline.signal,
        headers: { accept: 'image/*, */*;q=0.5', 'user-agent': 'prodimg' },
      });
      const { statusCode, headers, body } = response;
      if (REDIRECTS.has(statusCode)) {
        discard(body);
        if (redirects >= maxRedirects) throw new FetchFailure({ kind: 'too-many-redirects', max: maxRedirects });
        const location = firstHeaderValue(headers.location);
        const next: URL | null = location ? httpUrl(location, current) : null;
        if (next === null) throw new FetchFailure({ kind: 'bad-redirect' });
        current = next;
        continue;
      }
      if (statusCode < 200 || statusCode > 299) {
        discard(body);
        throw new FetchFailure({ kind: 'status', status: statusCode });
      }
      const bytes = await readAtMost(body, firstHeaderValue(headers['content-length']), maxBytes);
      return { bytes, contentType: firstHeaderValue(headers['content-type']), finalUrl: current.href };
    }
  } catch (error) {
    if (deadline.signal.aborted) throw new FetchFailure({ kind: 'total-timeout', ms: totalTimeoutMs });
    throw asFetchFailure(error, connectTimeoutMs);
  } finally {
    clearTimeout(timer);
  }
}

/** An http(s) URL, resolved against `base` for a relative redirect; null for anything else. */
function httpUrl(value: string, base?: URL): URL | null {
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
}

/** An IP literal skips name resolution, so it is checked here, before any connection is attempted. */
function refuseForbiddenLiteral(url: URL, isForbidden: (ip: string) => boolean): void {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 0 && isForbidden(host)) throw new FetchFailure({ kind: 'private-address' });
}

/** Reads the body, giving up as soon as it passes `maxBytes` so no more than that is ever held. */
async function readAtMost(body: Readable, contentLength: string | undefined, maxBytes: number): Promise<Buffer> {
  if (contentLength !== undefined && Number(contentLength) > maxBytes) {
    discard(body);
    throw new FetchFailure({ kind: 'too-large', maxBytes });
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) throw new FetchFailure({ kind: 'too-large', maxBytes });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

function asFetchFailure(error: unknown, connectTimeoutMs: number): unknown {
  // undici sometimes wraps what the connector or the lookup threw.
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof FetchFailure) return cause;
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error;
  return new FetchFailure(reasonForCode(code, connectTimeoutMs));
}

function reasonForCode(code: string, connectTimeoutMs: number): FetchFailureReason {
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return { kind: 'connect-timeout', ms: connectTimeoutMs };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NODATA') return { kind: 'host-not-found' };
  if (code === 'ECONNREFUSED') return { kind: 'connection-refused' };
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT')) return { kind: 'tls-failed' };
  return { kind: 'connection-failed', code };
}

/** Drops a body we will not read; undici reports that as an error nobody needs to hear. */
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** The first of a repeated response header: undici hands repeats over as an array. */
function firstHeaderValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
