import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ApiVersion } from '../../contract/versions.js';
import { type Admission, tokenOf } from '../admission.js';
import type { Binding } from '../binding.js';
import { readRequest } from '../operation-routes.js';
import { hostFault } from '../host-header.js';
import { logRequest } from '../request-log.js';
import type { HttpStats } from '../http-stats.js';
import { AnswerStore, answerKey } from './answer-store.js';
import { fastReadRoutes, type FastReadMatch } from './fast-read-routes.js';

export interface FastReadOptions {
  versions: readonly ApiVersion[];
  bindings: readonly Binding[];
  admission: Admission;
  /** Given when every request is logged: an answer here logs the same line as the router's. */
  requestLog?: FastifyBaseLogger;
  /** Request headers the answers' bytes depend on (see answerKey). */
  vary?: readonly string[];
  /** Counts the answers sent here under the route pattern the router would have matched. */
  httpStats?: HttpStats;
}

/**
 * The fast read path: a repeated plain GET of an operation declared `fastRead` is answered before
 * the router, with the bytes the router sent for the same result, version and key. It answers only
 * when everything the router would decide comes out the same way: the same admission (token, store,
 * Host, scope), the same reader accepting the path, and the bound use case's `peek` returning the
 * very object (held by the read cache) whose answer was captured. Everything else, refusals
 * included, goes on to the router untouched. PRODIMG_READ_CACHE=off leaves it out altogether.
 *
 * Installed by the app in two places: `answer` in front of Fastify's request handler, and
 * `install(app)` for the capture of what the router sends.
 */
export class FastRead {
  private readonly answers = new AnswerStore();
  private readonly match: (url: string) => FastReadMatch | null;
  private readonly vary: readonly string[];
  private open = true;
  /** How many requests were answered here (tests and monitoring). */
  answered = 0;

  constructor(private readonly options: FastReadOptions) {
    this.match = fastReadRoutes(options.versions, options.bindings);
    this.vary = options.vary ?? [];
  }

  /** Captures the router's answers to fast-read operations; stops answering when the app closes. */
  install(app: FastifyInstance): void {
    app.addHook('onSend', (request, reply, payload, done) => {
      const source = request.fastReadSource;
      const version = request.routeOptions.config.version;
      if (source !== undefined && version && reply.statusCode === 200 && typeof payload === 'string') {
        const key = answerKey(version.name, this.vary, request.headers);
        if (!this.answers.has(source, key)) this.answers.put(source, key, Buffer.from(payload));
      }
      done(null, payload);
    });
    app.addHook('preClose', (done) => {
      // From now on every request goes to the router, which answers 503 while draining.
      this.open = false;
      done();
    });
  }

  /** True when it answered; false leaves the request untouched for the router. */
  answer(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.open || req.method !== 'GET' || !req.url) return false;
    // A browser's cross-origin call goes to the router, which adds the CORS headers (server/cors.ts).
    if (req.headers.origin !== undefined) return false;
    const headers = req.headers;
    if (headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined) return false;
    // A doubtful Host is refused by the router, before any store is chosen by it.
    if (hostFault(req.rawHeaders) !== null) return false;
    const match = this.match(req.url);
    if (match === null) return false;
    const { binding, version } = match;
    let body: Buffer | undefined;
    let admittedHeaders: readonly string[];
    try {
      const admitted = this.options.admission.unlimitedFromMemory({ token: tokenOf(headers['access-token']), host: headers.host }, binding.operation.scope);
      if (!admitted) return false;
      const source = binding.peek!(readRequest(binding.operation, match.params, NO_QUERY, undefined), admitted.grant);
      body = source === undefined ? undefined : this.answers.get(source as object, answerKey(version.name, this.vary, headers));
      admittedHeaders = admitted.headers;
    } catch {
      // Refused or not readable: the router answers with the right error.
      return false;
    }
    if (!body) return false;
    const { requestLog, httpStats } = this.options;
    const started = requestLog || httpStats ? performance.now() : 0;
    const id = randomUUID();
    // Request-Id first and in the platform's spelling, as the router sends it. One flat list to
    // writeHead skips the per-header bookkeeping of setHeader.
    res.writeHead(200, ['Request-Id', id, ...admittedHeaders, 'content-type', JSON_TYPE, 'content-length', String(body.length)]);
    res.end(body);
    this.answered++;
    if (requestLog || httpStats) {
      const ms = performance.now() - started;
      if (requestLog) logRequest(requestLog, id, 'GET', req.url, 200, ms);
      httpStats?.record('GET', match.route, 200, ms / 1000);
    }
    return true;
  }
}

const NO_QUERY = {};

export const JSON_TYPE = 'application/json; charset=utf-8';
