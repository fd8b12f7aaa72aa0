import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import { type AuthService, requireScope } from '../domain/auth-service.js';
import type { Grant } from '../domain/entities.js';
import type { ReadCache } from '../storage/read-cache.js';
import { parseHotPath } from './hot-path.js';

export const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Answers repeated image reads (details and list) before the router, from bytes the routes already
 * serialised with their response schema. A request is answered here only when everything the full
 * path would check passes the same way: a plain GET of the canonical URL without a body, a token
 * checked within PRODIMG_AUTH_CACHE_MS, the store check, the read scope, and an entry of the read
 * cache, which is kept true to other processes' writes (see change-feed.ts). Everything else, errors
 * included, goes on to Fastify, which answers as before.
 *
 * The bytes hang off the cached object they were made from (a WeakMap), so they go with it: an
 * invalidated or replaced entry can never be answered from stale bytes.
 */
export class HotAnswers {
  private readonly bodies = new WeakMap<object, Buffer>();
  private open = true;
  /** How many requests were answered here (for tests and monitoring). */
  answered = 0;

  constructor(
    private readonly cache: ReadCache,
    private readonly auth: AuthService,
    /** Given when every request is logged (level info or finer): a hit logs the same line. */
    private readonly requestLog?: FastifyBaseLogger,
  ) {}

  /** The serialised answer for `source`, a cached image or list; made once per cached object. */
  body(source: object, serialize: () => string | ArrayBuffer | Buffer): Buffer {
    let body = this.bodies.get(source);
    if (!body) {
      const made = serialize();
      body = typeof made === 'string' ? Buffer.from(made) : Buffer.from(new Uint8Array(made));
      this.bodies.set(source, body);
    }
    return body;
  }

  /** From now on every request goes through Fastify (shutting down: it answers 503 there). */
  close(): void {
    this.open = false;
  }

  /** True when it answered; false leaves the request untouched for Fastify. */
  answer(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.open || req.method !== 'GET' || !req.url) return false;
    const headers = req.headers;
    if (headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined) return false;
    const path = parseHotPath(req.url);
    const token = headers['access-token'];
    if (!path || typeof token !== 'string') return false;
    const grant = this.grant(token, headers.host);
    if (!grant) return false;
    const source =
      path.kind === 'image' ? this.cache.image(grant.shopId, path.productId, path.imageId) : this.cache.list(grant.shopId, path.productId);
    const body = source && this.bodies.get(source);
    if (!body) return false;
    const started = this.requestLog ? performance.now() : 0;
    const id = randomUUID();
    // Request-Id first and in the platform's spelling, as the full path sends it. One flat list to
    // writeHead skips the per-header bookkeeping of setHeader.
    res.writeHead(200, ['Request-Id', id, 'content-type', JSON_TYPE, 'content-length', String(body.length)]);
    res.end(body);
    this.answered++;
    this.requestLog?.info(
      { reqId: id, method: 'GET', url: req.url, status: 200, ms: Math.round((performance.now() - started) * 10) / 10 },
      'request',
    );
    return true;
  }

  private grant(token: string, host: string | undefined): Grant | undefined {
    try {
      const grant = this.auth.cached(token, host);
      if (grant) requireScope(grant, 'read_product');
      return grant;
    } catch {
      // Refused: the full path answers with the right error.
      return undefined;
    }
  }
}
