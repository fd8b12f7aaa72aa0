import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { type Config, loadConfig } from '../../src/config.js';
import { systemClock } from '../../src/domain/clock.js';
import type { ImageIngestor } from '../../src/domain/ingest.js';
import { ShopService } from '../../src/domain/shop-service.js';
import type { DialectName } from '../../src/storage/dialect-name.js';
import { createRepositories } from '../../src/storage/repositories.js';
import { buildApp } from '../../src/server/build-app.js';
import { freshDatabase, type TestDatabase } from './databases.js';

export const V = '/openapi/2022-01';

export interface TestApi {
  app: FastifyInstance;
  config: Config;
  db: TestDatabase;
  shops: ShopService;
  /** A read+write token of store "alpha". */
  token: string;
  close(): Promise<void>;
  /** Sends a request as `token` (or the one given) with a JSON body when there is one. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** Creates a product with `images` images (srcs a0.jpg, a1.jpg, ...) and returns its id and image ids by position. */
  product(images?: number): Promise<{ id: string; imageIds: string[] }>;
}

export async function startApi(
  dialect: DialectName,
  options: { ingestor?: ImageIngestor; env?: Record<string, string>; publicAddress?: () => string } = {},
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
  });
  const repos = createRepositories(db.database);
  const shops = new ShopService(repos.shops, repos.tokens, systemClock);
  await shops.create('alpha', 'Alpha');
  const { token } = await shops.createToken('alpha', ['read_product', 'write_product']);

  const call: TestApi['call'] = (method, path, body, headers = {}) =>
    app.inject({
      method: method as 'GET',
      url: path.startsWith('/') ? path : `${V}/${path}`,
      headers: {
        'access-token': token,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });

  return {
    app,
    config,
    db,
    shops,
    token,
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
