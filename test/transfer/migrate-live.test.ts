import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { garbageSources } from '../../src/garbage-sources.js';
import type { BlobStore } from '../../src/imaging/blob-store.js';
import { collectGarbage } from '../../src/imaging/garbage-collector.js';
import { createImageFiles } from '../../src/imaging/image-files.js';
import { createLocalBlobStore } from '../../src/imaging/local-blob-store.js';
import { buildApp } from '../../src/server/build-app.js';
import { createDatabaseBlobStore } from '../../src/storage/database-blob-store.js';
import { createRepositories } from '../../src/storage/repositories.js';
import { migrateBlobs } from '../../src/transfer/migrate-blobs.js';
import { makeJpeg, makePng, makeWebp } from '../imaging/fixtures/images.js';
import { type Origin, send, startOrigin } from '../imaging/fixtures/origin-server.js';
import { startApi, type TestApi, V } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

/**
 * The order of steps docs/images.md gives for moving a live library, run as written: copy while a
 * server on the old store creates and deletes images, switch the server, copy again from the old
 * store, gc the new one. Every image left is served, nothing is missing, the deleted one's file goes.
 */
describe.each(DIALECTS)('moving a live library from local to database (%s), in the documented order', (dialect) => {
  let origin: Origin;
  let api: TestApi;
  let local: BlobStore;
  let database: BlobStore;
  beforeAll(async () => {
    origin = await startOrigin({
      '/a.jpg': send(await makeJpeg(120, 80), 'image/jpeg'),
      '/b.png': send(await makePng(90, 60), 'image/png'),
      '/c.webp': send(await makeWebp(70, 70), 'image/webp'),
      '/d.png': send(await makePng(50, 40), 'image/png'),
    });
    api = await startApi(dialect, { env: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1', PRODIMG_BLOB_STORE: 'local' } });
    local = createLocalBlobStore(join(api.db.dataDir, 'images'));
    database = createDatabaseBlobStore(api.db.database.db);
  });
  afterAll(async () => {
    await api?.close();
    await origin?.close();
  });

  const nameOf = (image: { src: string }) => image.src.split('/').pop()!;

  it('serves every image from the new store, misses nothing, and gc drops the file of an image deleted during the move', async () => {
    const created = await api.call('POST', 'products', { product: { title: 'Lamp', images: [{ src: origin.url('/a.jpg') }, { src: origin.url('/b.png') }] } });
    const product = created.json().product;
    const [a, b] = product.images.map(nameOf) as [string, string];

    // 1. Copy while serving.
    expect(await migrateBlobs({ source: local, target: database, concurrency: 2 })).toMatchObject({ copied: 2, failed: [] });
    // Meanwhile the server, still on local, adds c and deletes b.
    const c = nameOf((await api.call('POST', `products/${product.id}/images`, { image: { src: origin.url('/c.webp') } })).json().image);
    expect((await api.call('DELETE', `products/${product.id}/images/${product.images[1].id}`)).statusCode).toBe(200);
    expect(await local.has(b)).toBe(false);

    // 2. Switch the setting and restart.
    await api.app.close();
    const config = loadConfig({
      PRODIMG_DATA_DIR: api.db.dataDir,
      PRODIMG_BLOB_STORE: 'database',
      PRODIMG_INGEST: 'fetch',
      PRODIMG_ALLOW_PRIVATE_SOURCES: '1',
      PRODIMG_STARTUP_SWEEP: '0',
      PRODIMG_LOG_LEVEL: 'silent',
      ...(api.db.databaseUrl ? { DATABASE_URL: api.db.databaseUrl } : {}),
    });
    const app: FastifyInstance = await buildApp({ config, database: api.db.database });
    try {
      const cdn = (name: string) => app.inject({ method: 'GET', url: `/cdn/${name}` });
      // Until the second copy, c (written to the old store after the first) is a 404 no cache keeps.
      const missing = await cdn(c);
      expect({ status: missing.statusCode, cache: missing.headers['cache-control'] }).toEqual({ status: 404, cache: 'no-store' });
      const added = await app.inject({
        method: 'POST',
        url: `${V}/products/${product.id}/images`,
        headers: { 'access-token': api.token, 'content-type': 'application/json' },
        payload: { image: { src: origin.url('/d.png') } },
      });
      expect(added.statusCode).toBe(200);
      const d = nameOf(added.json().image);

      // 3. Copy again, from the old store.
      expect(await migrateBlobs({ source: local, target: database, concurrency: 2 })).toMatchObject({ total: 2, copied: 1, skipped: 1, failed: [] });
      for (const name of [a, c, d]) expect({ name, status: (await cdn(name)).statusCode }).toEqual({ name, status: 200 });

      // 4. gc on the new store: b's copy goes, nothing an image names is missing.
      const images = createRepositories(api.db.database).images;
      const isUsed = (path: string) => images.isPathUsed(path);
      const report = await collectGarbage(garbageSources({ database: api.db.database, blobs: database, files: createImageFiles(database, isUsed), isUsed }), { dryRun: false });
      expect({ removed: report.removed, missing: report.missing }).toEqual({ removed: [b], missing: [] });
      for (const name of [a, c, d]) expect((await cdn(name)).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
