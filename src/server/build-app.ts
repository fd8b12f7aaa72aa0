import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import type { Config } from '../config.js';
import { SERVICE_UNAVAILABLE_BODY } from '../contract/error-response.js';
import { API_VERSIONS } from '../contract/versions.js';
import { AuthService } from '../domain/auth-service.js';
import { systemClock } from '../domain/clock.js';
import { GrantCache } from '../domain/grant-cache.js';
import { ImageService } from '../domain/image-service.js';
import { type ImageIngestor, passthroughIngestor } from '../domain/ingest.js';
import type { BlobStore } from '../imaging/blob-store.js';
import { createFetchIngestor, type FetchIngestor } from '../imaging/fetch-ingestor.js';
import { createImageFiles } from '../imaging/image-files.js';
import { createMemoryCachedBlobStore } from '../imaging/memory-cached-blob-store.js';
import type { Clock } from '../domain/ports.js';
import { ProductService } from '../domain/product-service.js';
import type { Database } from '../storage/database.js';
import { type FeedTiming, startChangeFeed } from '../storage/change-feed.js';
import { ReadCache } from '../storage/read-cache.js';
import { createRepositories } from '../storage/repositories.js';
import { openBlobStore } from '../open-blob-store.js';
import { registerAuth } from './auth-plugin.js';
import { acceptBodies, answerClientError } from './body-parsers.js';
import { registerErrorHandling } from './errors-plugin.js';
import { HotAnswers } from './hot-answers.js';
import { registerCdnRoutes } from './routes/cdn.js';
import { sweepOnStartup } from './startup-sweep.js';
import { productImageRoutes } from './routes/product-images.js';
import { productRoutes } from './routes/products.js';

/** A client gets a minute to send its whole request (slowloris protection; Fastify's default is none). */
const REQUEST_TIMEOUT_MS = 60_000;
/** Fastify's default: idle keep-alive connections close after 72 s. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

declare module 'fastify' {
  interface FastifyInstance {
    /** Answers repeated image reads before the router; exposed for its `answered` count. */
    hotAnswers: HotAnswers;
  }
}

export interface AppOptions {
  config: Config;
  database: Database;
  /** A pino logger; omitted means no logging (tests). */
  logger?: FastifyBaseLogger;
  /** Replaces the one chosen by config (PRODIMG_INGEST). */
  ingestor?: ImageIngestor;
  clock?: Clock;
  /** host:port this server is reached at, once known; the default CDN base is `//<it>/cdn`. */
  publicAddress?: () => string;
  /** PostgreSQL only: how soon a lone server turns its read cache on (tests shorten it). */
  feedTiming?: FeedTiming;
}

/** Composition root: wires storage, services and routes into one Fastify app. Nothing is global. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, database } = options;
  const clock = options.clock ?? systemClock;
  const cache = new ReadCache();
  const repositories = createRepositories(database, cache);
  const stored = openBlobStore(config, database);
  const blobs =
    config.blobCacheBytes > 0 ? createMemoryCachedBlobStore(stored, { maxBytes: config.blobCacheBytes, maxItemBytes: 1024 * 1024 }) : stored;
  const cdnBase = () => (config.cdnHost ? `//${config.cdnHost}` : `//${options.publicAddress?.() ?? 'localhost'}/cdn`);
  const fetching = !options.ingestor && config.ingest === 'fetch' ? fetchIngestor(config, blobs, cdnBase) : null;
  const ingestor = options.ingestor ?? fetching ?? passthroughIngestor;
  // Also with ingestion off: files stored while it was on are still released when their images go.
  const files = createImageFiles(blobs, (path) => repositories.images.isPathUsed(path));
  const auth = new AuthService(repositories.tokens, config.baseDomain, new GrantCache(config.authCacheMs));
  const images = new ImageService(repositories.images, ingestor, files, clock);
  const products = new ProductService(repositories.products, ingestor, files, clock);
  const logsRequests = options.logger !== undefined && ['info', 'debug', 'trace'].includes(options.logger.level);
  const hot = new HotAnswers(cache, auth, logsRequests ? options.logger : undefined);

  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: config.bodyLimit,
    genReqId: () => randomUUID(),
    logController: new LogController({ disableRequestLogging: true }),
    // Draining is answered by our own hook below, in the contract's shape.
    return503OnClosing: false,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // Long ids must reach the UUID check (422) rather than the router's own length limit.
    routerOptions: { maxParamLength: 4096 },
    clientErrorHandler: answerClientError,
    // Repeated image reads are answered from cached bytes before the router (hot-answers.ts); the
    // server is otherwise set up as Fastify sets up its own.
    serverFactory: (handler) => {
      const server = createServer((req, res) => {
        if (!hot.answer(req, res)) handler(req, res);
      });
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
      server.requestTimeout = REQUEST_TIMEOUT_MS;
      return server;
    },
    // A URL that cannot be decoded (`/cdn/%zz`) is answered in the contract's shape, not Fastify's.
    frameworkErrors: (_error, request, reply: FastifyReply) => {
      reply.raw.setHeader('Request-Id', request.id);
      return reply.code(400).send({ errors: ['Bad Request: the URL is not valid'] });
    },
  });

  app.decorate('hotAnswers', hot);

  // While draining for a shutdown: in-flight requests finish, new ones on open connections get a
  // 503, and every answer closes its connection so clients go elsewhere and the process can exit.
  let draining = false;
  app.addHook('preClose', (done) => {
    draining = true;
    hot.close();
    done();
  });
  app.addHook('onRequest', (request, reply, done) => {
    // Set on the raw response so the header keeps the platform's spelling on the wire.
    reply.raw.setHeader('Request-Id', request.id);
    if (!draining) return done();
    reply.code(503).send(SERVICE_UNAVAILABLE_BODY);
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
  acceptBodies(app);
  // One line per request, with its id, status and duration; never headers (they hold tokens).
  if (logsRequests) {
    app.addHook('onResponse', async (request, reply) => {
      request.log.info(
        { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
        'request',
      );
    });
  }
  registerErrorHandling(app);
  // Cached image reads are switched on only while this feed keeps them true to other processes' writes.
  const feed = await startChangeFeed(
    database,
    cache,
    (err) => app.log.error({ err }, 'change feed failed; image read cache off'),
    options.feedTiming,
  );
  app.addHook('onClose', () => feed.close());
  if (fetching) app.addHook('onClose', () => fetching.close());

  registerCdnRoutes(app, { blobs, sizes: config.variantSizes, maxPixels: config.maxPixels });
  if (config.startupSweep) {
    let sweep: Promise<void> = Promise.resolve();
    const abort = new AbortController();
    const isUsed = (path: string) => repositories.images.isPathUsed(path);
    app.addHook('onReady', async () => {
      sweep = sweepOnStartup({ database, blobs, files, isUsed, logger: app.log, signal: abort.signal }).catch((err: unknown) => {
        if (!abort.signal.aborted) app.log.error({ err }, 'startup sweep failed');
      });
    });
    // Closing stops it and waits for the step under way: the database must not close under it.
    app.addHook('onClose', async () => {
      abort.abort();
      await sweep;
    });
  }
  for (const version of API_VERSIONS) {
    await app.register(
      async (api) => {
        registerAuth(api, auth);
        productImageRoutes(api, images, hot);
        productRoutes(api, products);
      },
      { prefix: `/openapi/${version}` },
    );
  }
  return app;
}

function fetchIngestor(config: Config, blobs: BlobStore, cdnBase: () => string): FetchIngestor {
  return createFetchIngestor({
    blobs,
    cdnBase,
    allowPrivate: config.allowPrivateSources,
    maxBytes: config.maxSourceBytes,
    maxPixels: config.maxPixels,
    connectTimeoutMs: config.fetchConnectTimeoutMs,
    totalTimeoutMs: config.fetchTimeoutMs,
  });
}
