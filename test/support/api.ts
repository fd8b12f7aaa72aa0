import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { type Config, loadConfig } from '../../src/config.js';
import { systemClock } from '../../src/domain/clock.js';
import type { ImageIngestor } from '../../src/domain/ingest.js';
import { ShopService } from '../../src/domain/shop-service.js';
import type { DialectName } from '../../src/storage/dialect-name.js';
import type { FeedTiming } from '../../src/storage/change-feed.js';
import { createRepositories } from '../../src/storage/repositories.js';
import { buildApp } from '../../src/server/build-app.js';
import { freshDatabase, type TestDatabase } from './databases.js';

export const V = '/openapi/2022-01';

/** An answer as the tests read it. */
export interface TestResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any;
}

export interface TestApi {
  app: FastifyInstance;
  config: Config;
  db: TestDatabase;
  shops: ShopService;
  /** A token of store "alpha" with read_product, write_product and read_shop. */
  token: string;
  close(): Promise<void>;
  /** The server's own address, `http://127.0.0.1:<port>`. */
  base: string;
  /**
   * Sends a request over real HTTP as `token` (or the one given) with a JSON body when there is one.
   * Real HTTP rather than app.inject(): repeated reads are answered before Fastify (hot-answers.ts),
   * and every suite built on this must hold for those answers too.
   */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  /** Creates a product with `images` images (srcs a0.jpg, a1.jpg, ...) and returns its id and image ids by position. */
  product(images?: number): Promise<{ id: string; imageIds: string[] }>;
}

export async function startApi(
  dialect: DialectName,
  options: {
    ingestor?: ImageIngestor;
    env?: Record<string, string>;
    publicAddress?: () => string;
    feedTiming?: FeedTiming;
    /** The app's clock, `2024-04-08T07:13:28Z` style (timestamps of stores, products and images); the system clock when omitted. */
    clock?: () => string;
    /** Runs before the app listens: the last moment hooks can be added. */
    beforeListen?: (app: FastifyInstance) => void;
  } = {},
): Promise<TestApi> {
  const db = await freshDatabase(dialect);
  // Ingestion off: these suites are about the API contract; test/api/ingestion.test.ts fetches for real.
  const config = loadConfig({
    PRODIMG_DATA_DIR: db.dataDir,
    PRODIMG_INGEST: 'off',
    PRODIMG_AUTH_CACHE_MS: '200',
    PRODIMG_STARTUP_SWEEP: '0',
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    ...options.env,
  });
  const app = await buildApp({
    config,
    database: db.database,
    ...(options.ingestor ? { ingestor: options.ingestor } : {}),
    ...(options.publicAddress ? { publicAddress: options.publicAddress } : {}),
    ...(options.feedTiming ? { feedTiming: options.feedTiming } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const repos = createRepositories(db.database);
  const shops = new ShopService(repos.shops, repos.tokens, options.clock ?? systemClock, config.oauth.extraScopes);
  await shops.create('alpha', { name: 'Alpha' });
  const { token } = await shops.createToken('alpha', ['read_product', 'write_product', 'read_shop']);

  options.beforeListen?.(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const call: TestApi['call'] = async (method, path, body, headers = {}) => {
    const response = await request(base + (path.startsWith('/') ? path : `${V}/${path}`), {
      method: method as 'GET',
      headers: {
        'access-token': token,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.body.text();
    return { statusCode: response.statusCode, headers: response.headers, body: text, json: () => JSON.parse(text) };
  };

  return {
    app,
    config,
    db,
    shops,
    token,
    base,
    call,
    async product(images = 0) {
      const res = await call('POST', 'products', {
        product: { title: 'Shirt', images: Array.from({ length: images }, (_, i) => ({ src: `https://img.example.com/a${i}.jpg` })) },
      });
      if (res.statusCode !== 200) throw new Error(`product create failed: ${res.body}`);
      const product = res.json().product;
      return { id: product.id, imageIds: product.images.map((image: { id: string }) => image.id) };
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
}

/** Positions and ids of a product's images, in list order. */
export async function gallery(api: TestApi, productId: string): Promise<Array<{ id: string; position: number }>> {
  const res = await api.call('GET', `products/${productId}/images`);
  return res.json().images.map((image: { id: string; position: number }) => ({ id: image.id, position: image.position }));
}

/**
 * Reads `path` (default: the one image of a new product) twice at a time until the repeat is answered
 * from the cache before the router: from then on the server's read cache is on.
 */
export async function untilCaching(api: TestApi, path?: string): Promise<void> {
  let target = path;
  if (target === undefined) {
    const { id, imageIds } = await api.product(1);
    target = `products/${id}/images/${imageIds[0]}`;
  }
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const before = api.app.fastRead!.answered;
    await api.call('GET', target);
    await api.call('GET', target);
    if (api.app.fastRead!.answered > before) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the read cache did not go on within 10 s');
}
