import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import { fromLegacyPath } from '../contract/versions.js';
import { watchClient } from '../storage/client-gone.js';
import { badRequest, shuttingDown } from '../domain/errors.js';
import { acceptBodies, answerClientError, answerConnect, answerExpectation, continueOrRefuse } from './body-parsers.js';
import { registerErrorHandling, sendError } from './errors-plugin.js';
import type { FastRead } from './fast-read/fast-read.js';
import { hostFault } from './host-header.js';
import { lazyCompilers } from './lazy-compilers.js';
import { logRequest, logsRequests } from './request-log.js';
import { type HttpStats, UNMATCHED_ROUTE } from './http-stats.js';

/** A client gets a minute to send its whole request (slowloris protection; Fastify's default is none). */
const REQUEST_TIMEOUT_MS = 60_000;
/** Fastify's default: idle keep-alive connections close after 72 s. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

export interface ServerOptions {
  logger?: FastifyBaseLogger;
  bodyLimit: number;
  /** Answers repeated reads before the router; absent with PRODIMG_READ_CACHE=off. */
  fastRead?: FastRead;
  /** Counts every answer the router sends, for /metrics (the fast read path counts its own). */
  httpStats?: HttpStats;
  /** A certificate and key (PEM): HTTPS is served too, by `app.secureServer`, on its own port. */
  tls?: { cert: string; key: string };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** With `tls`: the HTTPS server, set up as the HTTP one and answering the same routes; the caller listens on it. */
    secureServer: HttpsServer | undefined;
  }
}

/**
 * The HTTP server around the routes: timeouts, answers to malformed requests, a Request-Id on every
 * response, bodies, errors, one log line per request, and a graceful drain on close. Routes are
 * added by the caller (build-app.ts).
 */
/** The same timeouts and answers to odd requests on the HTTP and the HTTPS server. */
function setUp<S extends Server | HttpsServer>(server: S, handle: (req: IncomingMessage, res: ServerResponse) => void, bodyLimit: number): S {
  server.on('checkContinue', continueOrRefuse(bodyLimit, handle));
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  // Without these listeners Node drops a CONNECT unanswered and answers other expectations with an empty 417.
  server.on('connect', answerConnect);
  server.on('checkExpectation', answerExpectation);
  return server;
}

/**
 * A request that may write runs watched: a transaction it opens neither begins nor commits once its
 * response has closed unfinished (the client gave up, and may retry). Reads are not watched, which
 * spares them the cost of the request scope.
 */
function watchingWrites(handler: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return handler(req, res);
    watchClient(() => res.destroyed && !res.writableFinished, () => handler(req, res));
  };
}

export function createHttpServer(options: ServerOptions): FastifyInstance {
  const { fastRead } = options;
  let secure: HttpsServer | undefined;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimit,
    genReqId: () => randomUUID(),
    logController: new LogController({ disableRequestLogging: true }),
    // Draining is answered by our own hook below, in the contract's shape.
    return503OnClosing: false,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // Long ids must reach the UUID check (422) rather than the router's own length limit.
    routerOptions: { maxParamLength: 4096 },
    schemaController: { compilersFactory: lazyCompilers() },
    clientErrorHandler: answerClientError,
    // Older clients' unversioned `.json` paths are served as the oldest version.
    rewriteUrl: (req) => (req.url && fromLegacyPath(req.url)) || req.url || '/',
    // The server is set up as Fastify sets up its own, with the fast read path in front of it.
    serverFactory: (handler) => {
      const routed = watchingWrites(handler);
      const handle = fastRead ? (req: IncomingMessage, res: ServerResponse) => fastRead.answer(req, res) || routed(req, res) : routed;
      if (options.tls) secure = setUp(createHttpsServer(options.tls, handle), handle, options.bodyLimit);
      return setUp(createServer(handle), handle, options.bodyLimit);
    },
    // A URL that cannot be decoded (`/cdn/%zz`) is answered in the contract's shape, not Fastify's.
    frameworkErrors: (_error, request, reply: FastifyReply) => {
      reply.raw.setHeader('Request-Id', request.id);
      return sendError(request, reply, badRequest('the URL is not valid'));
    },
  });
  app.decorate('secureServer', secure);
  if (secure) {
    const server = secure;
    // Closed with the app: no new connections, idle ones dropped, busy ones closed after their answer (Connection: close while draining).
    app.addHook('preClose', (done) => {
      server.close();
      server.closeIdleConnections();
      done();
    });
  }
  app.decorateRequest('grant', null as never);
  app.decorateRequest('fastReadSource', undefined);

  // While draining for a shutdown: in-flight requests finish, new ones on open connections get a
  // 503, and every answer closes its connection so clients go elsewhere and the process can exit.
  let draining = false;
  app.addHook('preClose', (done) => {
    draining = true;
    done();
  });
  app.addHook('onRequest', (request, reply, done) => {
    // Set on the raw response so the header keeps the platform's spelling on the wire.
    reply.raw.setHeader('Request-Id', request.id);
    if (draining) return sendError(request, reply, shuttingDown());
    const fault = hostFault(request.raw.rawHeaders);
    if (fault !== null) return sendError(request, reply, badRequest(fault));
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
  fastRead?.install(app);
  acceptBodies(app);
  const httpStats = options.httpStats;
  if (httpStats) {
    app.addHook('onResponse', (request, reply, done) => {
      httpStats.record(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }
  if (logsRequests(options.logger)) {
    const log = options.logger;
    app.addHook('onResponse', async (request, reply) => {
      logRequest(log, request.id, request.method, request.url, reply.statusCode, reply.elapsedTime);
    });
  }
  registerErrorHandling(app, options.bodyLimit);
  return app;
}
