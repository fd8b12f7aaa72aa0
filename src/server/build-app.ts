import { join } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { API_VERSIONS } from '../contract/versions.js';
import { AuthService } from '../domain/auth-service.js';
import { systemClock } from '../domain/clock.js';
import { GrantCache } from '../domain/grant-cache.js';
import { ImageService } from '../domain/image-service.js';
import type { ImageIngestor } from '../domain/ingest.js';
import { hasForbiddenLiteralHost } from '../imaging/address-guard.js';
import type { CdnService } from '../imaging/cdn-service.js';
import { configureSharp } from '../imaging/image-transform.js';
import { WorkQueue } from '../imaging/work-queue.js';
import type { Clock } from '../domain/ports.js';
import { AdminAuth } from '../domain/admin-auth.js';
import { AppService, type SecretSealer } from '../domain/app-service.js';
import { ProductService } from '../domain/product-service.js';
import { ShopService } from '../domain/shop-service.js';
import { VariantService } from '../domain/variant-service.js';
import { WebhookService } from '../domain/webhook-service.js';
import type { Database } from '../storage/database.js';
import { type ChangeFeed, type FeedTiming, startChangeFeed } from '../storage/change-feed.js';
import { ReadCache } from '../storage/read-cache.js';
import { ImportJournal } from '../storage/import-journal.js';
import { createRepositories } from '../storage/repositories.js';
import { KyselyAdminKeyRepository } from '../storage/admin-key-repository.js';
import { createUploadStore } from '../imaging/upload-store.js';
import { StoredFactsCache } from '../imaging/stored-facts-cache.js';
import { openImageLibrary } from '../image-library.js';
import { openSecretBox } from '../secret-box.js';
import { SigningSecrets } from '../storage/signing-secrets.js';
import { WebhookDeliveries } from '../storage/webhook-deliveries.js';
import type { WireContext } from '../contract/library-src.js';
import { DeliveryWorker } from './webhooks/delivery-worker.js';
import { lazyWebhookSender } from './webhooks/lazy-webhook-sender.js';
import { registerAdminApi } from './admin/admin-api.js';
import { registerAdminAssets } from './admin/admin-assets.js';
import { ImportJobs } from './admin/import-jobs.js';
import { Admission } from './admission.js';
import { FastRead } from './fast-read/fast-read.js';
import { registerCors } from './cors.js';
import { registerHealthRoutes } from './health-routes.js';
import { registerApiVersion } from './operation-routes.js';
import { HttpStats } from './http-stats.js';
import { registerMetrics } from './metrics.js';
import { S3Stats } from './s3-stats.js';
import type { WorkerCounts } from './worker-counts.js';
import { registerFaviconRoutes } from './favicon-routes.js';
import { registerReferenceRoutes } from './reference-routes.js';
import { logsRequests } from './request-log.js';
import { accessScopeBindings } from './routes/access-scopes.js';
import { cdnBytes, registerCdnRoutes } from './routes/cdn.js';
import { productImageBindings } from './routes/product-images.js';
import { productBindings } from './routes/products.js';
import { openRateLimits } from './rate-limits/open-rate-limits.js';
import { registerOAuthRoutes } from './routes/oauth.js';
import { SignInThrottle } from './sign-in-throttle.js';
import { shopBindings } from './routes/shop.js';
import { variantBindings } from './routes/variants.js';
import { oauthSettings } from '../oauth-settings.js';
import { webhookBindings } from './routes/webhooks.js';
import { createHttpServer } from './server-lifecycle.js';
import { sweepOnStartup } from './startup-sweep.js';
import { wireContexts } from './wire-context.js';
import type { StandIn } from '../stand-in/stand-in.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The fast read path, when on; exposed for its `answered` count. */
    fastRead: FastRead | undefined;
    /** What keeps the read cache true to commits, when on; exposed so tests wait on its `caughtUp()`. */
    changeFeed: ChangeFeed | undefined;
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
  /** host:port this server listens at, once known: the CDN base `//<it>/cdn` of a request without Host. */
  publicAddress?: () => string;
  /** PostgreSQL only: how soon a lone server turns its read cache on (tests shorten it). */
  feedTiming?: FeedTiming;
  /** The database's secret box (serve opens it before listening); opened here when omitted. */
  secrets?: SecretSealer;
  /** HTTPS too, with this certificate (`app.secureServer`; serve listens on it). */
  tls?: { cert: string; key: string };
  /** Stand-in mode (`--allow-reset`, `startProdimg`): its seed, ids, journal, faults and /__prodimg routes. */
  standIn?: StandIn;
  /** A worker of `prodimg serve --workers N`: /metrics answers for every worker (cluster-metrics.ts). */
  clusterWorker?: boolean;
  /** Such a worker's view of the primary's counts of workers, for /readyz (worker-counts.ts). */
  workerCounts?: () => WorkerCounts | undefined;
}

/** Composition root: wires storage, services and routes into one Fastify app. Nothing is global. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, database } = options;
  const clock = options.clock ?? systemClock;
  const cache = new ReadCache();
  const repositories = createRepositories(database, cache, options.standIn?.ids);
  const wire = wireContexts({ cdnHost: config.cdnHost, publicUrl: config.publicUrl, listenAddress: options.publicAddress });
  // Own CDN URLs sent back as a src resolve through the CDN itself, made below.
  let cdn: CdnService | undefined;
  const renderOwn = (name: string, query: Readonly<Record<string, string>>) => (cdn ? cdnBytes(cdn, name, query) : Promise.resolve(null));
  configureSharp();
  const s3Stats = config.blobStore === 's3' ? new S3Stats() : undefined;
  const library = await openImageLibrary(config, database, {
    isUsed: (path) => repositories.images.isPathUsed(path),
    ...(s3Stats ? { s3Requests: s3Stats } : {}),
    renderOwn,
    memoryCache: true,
    ...(options.ingestor ? { ingestor: options.ingestor } : {}),
  });
  const { stored, blobs, ingestor, files, downloads, decodes, kept, spoolDir } = library;
  const renders = new WorkQueue({
    concurrency: config.renderConcurrency,
    maxWaiting: config.renderQueue,
    maxWaitMs: config.renderQueueWaitMs,
    what: 'image renders',
  });
  const rateLimits = await openRateLimits(config, options.logger);
  const admission = new Admission(new AuthService(repositories.tokens, config.baseDomain, new GrantCache(config.authCacheMs)), rateLimits);
  const products = new ProductService(repositories.products, ingestor, files, clock);
  const shops = new ShopService(repositories.shops, repositories.tokens, clock);
  const images = new ImageService(repositories.images, ingestor, files, clock);
  const variants = new VariantService(repositories.variants, clock);
  const bindings = [
    ...productImageBindings(images),
    ...productBindings(products),
    ...variantBindings(variants),
    ...accessScopeBindings(),
    ...shopBindings(shops, config.baseDomain),
    ...webhookBindings(new WebhookService(repositories.webhooks, (address) => config.allowPrivateSources || !hasForbiddenLiteralHost(address), clock)),
  ];
  const httpStats = new HttpStats();
  const fastRead = config.readCache
    ? new FastRead({
        versions: API_VERSIONS,
        bindings,
        admission,
        // Answers' src URLs are made from the Host unless PRODIMG_CDN_HOST fixes them.
        ...(config.cdnHost === undefined ? { vary: ['host'] } : {}),
        ...(logsRequests(options.logger) ? { requestLog: options.logger } : {}),
        httpStats,
      })
    : undefined;

  const app = createHttpServer({
    ...(options.logger ? { logger: options.logger } : {}),
    bodyLimit: config.bodyLimit,
    httpStats,
    ...(fastRead ? { fastRead } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
  });
  app.decorate('fastRead', fastRead);
  app.addHook('onClose', () => library.close());
  if (rateLimits) app.addHook('onClose', () => rateLimits.close());
  // Before any other hook or route: its faults come first, and its journal sees every request. A
  // seed it cannot use closes what is open so far.
  const corsPolicy = { origins: config.corsOrigins, baseDomain: config.baseDomain, publicUrl: config.publicUrl };
  if (options.standIn) {
    try {
      await options.standIn.attach(app, { shops, products, blobs: stored, origins: corsPolicy });
    } catch (err) {
      await app.close();
      throw err;
    }
  }

  // Cached reads are switched on only while this feed keeps them true to other processes' writes.
  app.decorate('changeFeed', undefined as ChangeFeed | undefined);
  if (config.readCache) {
    const feed = await startChangeFeed(
      database,
      cache,
      (err) => app.log.error({ err }, 'change feed failed; image read cache off'),
      options.feedTiming,
    );
    app.changeFeed = feed;
    app.addHook('onClose', () => feed.close());
  }

  cdn = registerCdnRoutes(app, { blobs, sizes: config.variantSizes, maxPixels: config.maxPixels, renders });
  registerHealthRoutes(app, { database, blobs: stored, ...(options.workerCounts ? { workers: options.workerCounts } : {}) });
  registerCors(app, corsPolicy);
  registerReferenceRoutes(app, {
    baseDomain: config.baseDomain,
    bodyLimit: config.bodyLimit,
    listenPort: () => Number(/:(\d+)$/.exec(options.publicAddress?.() ?? '')?.[1] ?? 8080),
    defaultStore: async () => (await shops.firstActive())?.subdomain,
  });
  const secrets = options.secrets ?? (await openSecretBox(config, database));
  // A subscription made with an app's token is signed with that app's client secret.
  const appSecret = async (clientId: string) => {
    const found = await repositories.apps.find(clientId);
    return found ? secrets.open(found.sealedSecret) : null;
  };
  const webhooks = startWebhookDeliveries(app, config, database, { secrets: new SigningSecrets(database.db, secrets, appSecret), context: () => wire(undefined) });
  registerMetrics(
    app,
    { renders, downloads, decodes, cdn, kept, webhooks },
    { http: httpStats, ...(s3Stats ? { s3: s3Stats } : {}), clusterWorker: options.clusterWorker === true, ...(config.metricsToken ? { token: config.metricsToken } : {}) },
  );
  if (config.startupSweep) {
    let sweep: Promise<void> = Promise.resolve();
    const abort = new AbortController();
    const isUsed = (path: string) => repositories.images.isPathUsed(path);
    // After listening, not on ready: a failed listen must leave the files alone.
    app.addHook('onListen', async () => {
      const spool = { dir: spoolDir, olderThanMs: spoolStaleMs(config) };
      sweep = sweepOnStartup({ database, blobs, files, isUsed, spool, logger: app.log, signal: abort.signal }).catch((err: unknown) => {
        if (!abort.signal.aborted) app.log.error({ err }, 'startup sweep failed');
      });
    });
    // Closing stops it and waits for the step under way: the database must not close under it.
    app.addHook('onClose', async () => {
      abort.abort();
      await sweep;
    });
  }
  const apps = new AppService(repositories.apps, repositories.shops, repositories.tokens, secrets, clock, oauthSettings(config));
  // One for the admin page's and the consent page's sign-ins: wrong keys count against an address in both.
  const adminAuth = new AdminAuth(new KyselyAdminKeyRepository(database.db), clock);
  const throttle = new SignInThrottle();
  if (config.oauth.autoApprove && !options.standIn) app.log.warn(AUTO_APPROVE_WARNING);
  await registerOAuthRoutes(app, { apps, baseDomain: config.baseDomain, autoApprove: config.oauth.autoApprove, auth: adminAuth, throttle });
  const auditFacts = new StoredFactsCache();
  const imports = new ImportJobs({
    dir: join(config.dataDir, 'imports'),
    products,
    journal: new ImportJournal(database.db),
    blobs: stored,
    clock,
    maxBytes: IMPORT_MAX_BYTES,
    // Modest: the server's download queue is shared with the API's requests.
    concurrency: 2,
    logger: app.log,
  });
  // Before the image library and the database close: the products under way finish first.
  app.addHook('preClose', () => imports.close());
  registerAdminAssets(app);
  registerFaviconRoutes(app);
  await registerAdminApi(app, {
    auth: adminAuth,
    throttle,
    shops,
    products,
    images,
    variants,
    blobs: stored,
    upload: createUploadStore({ blobs: stored, decodes, maxPixels: config.maxPixels }),
    cdnBase: (host) => wire(host).cdnBase,
    variantSizes: config.variantSizes,
    maxUploadBytes: config.maxSourceBytes,
    catalogue: { imports, shops, products, wire },
    // Loaded on the admin page's first audit: the audit's downloader (undici) is not needed before.
    // Each stored file is read and decoded once, however often its gallery is opened.
    audit: async function* ({ shop, productId }) {
      const { auditImages } = await import('../audit/run-audit.js');
      const scope = { shop, ...(productId ? { productId } : {}) };
      yield* auditImages({ database, blobs: stored, ...scope, minSide: config.auditMinSide, maxPixels: config.maxPixels, factsCache: auditFacts });
    },
  });
  for (const version of API_VERSIONS) await registerApiVersion(app, version, bindings, admission, wire);
  return app;
}

/** Logged at start-up by a server that approves installs unattended and is not a stand-in. */
export const AUTO_APPROVE_WARNING =
  'PRODIMG_OAUTH_AUTO_APPROVE=1: the OAuth authorize step approves every request at once, with no one signed in: any registered app can install itself on every active store. Meant for a stand-in and for tests; leave it unset where stores matter';

/** The largest file an import from the admin page takes; `prodimg import` on the server reads any size. */
const IMPORT_MAX_BYTES = 100 * 1024 * 1024;

/** The outbox's sender runs while the server listens: started on listen, stopped (after its attempts under way) on close. */
function startWebhookDeliveries(app: FastifyInstance, config: Config, database: Database, use: { secrets: SigningSecrets; context: () => WireContext }): DeliveryWorker {
  const worker = new DeliveryWorker({
    ...use,
    deliveries: new WebhookDeliveries(database.db, database.dialect),
    sender: lazyWebhookSender({ allowPrivate: config.allowPrivateSources, timeoutMs: config.webhookTimeoutMs }),
    baseDomain: config.baseDomain,
    retryMs: config.webhookRetryMs,
    maxAttempts: config.webhookMaxAttempts,
    timeoutMs: config.webhookTimeoutMs,
    slots: config.webhookSlots,
    perStore: config.webhookStoreInFlight,
    perAddress: config.webhookAddressInFlight,
    logger: app.log,
  });
  app.addHook('onListen', async () => worker.start());
  app.addHook('onClose', () => worker.stop());
  return worker;
}

/**
 * When a spool file is surely a crash's leftover rather than a request's under way, in this process
 * or another sharing the data directory: a request holds one from its download to its commit, so
 * at most a queue wait and a download (45 s by default), with a wide margin.
 */
function spoolStaleMs(config: Config): number {
  return Math.max(60 * 60 * 1000, 4 * (config.ingestQueueWaitMs + config.fetchConnectTimeoutMs + config.fetchTimeoutMs));
}

