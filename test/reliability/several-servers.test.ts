import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { systemClock } from '../../src/domain/clock.js';
import { ShopService } from '../../src/domain/shop-service.js';
import { type BlobStore, isBlobName } from '../../src/imaging/blob-store.js';
import { openBlobStore } from '../../src/open-blob-store.js';
import { createRepositories } from '../../src/storage/repositories.js';
import { type Origin, startOrigin } from '../imaging/fixtures/origin-server.js';
import { freshDatabase, type TestDatabase } from '../support/databases.js';
import { sampleValue } from '../support/metrics-text.js';
import { runProcess } from '../support/run-process.js';
import { freshBucket, s3Gateway, s3SkipNote } from '../support/s3.js';
import { waitsTimeout } from '../support/waiting.js';
import { BIN, cliEnv, type ServeProcess, startServe } from './support-server.js';

/**
 * Several servers, proven together: two `prodimg serve` processes with data directories of their own
 * on one PostgreSQL database, one Redis and one shared image store, as behind a load balancer.
 */
interface SharedStore {
  name: string;
  /** Why this store's tests are skipped, or ''. */
  skip: string;
  /** The servers' settings for it, made once per store (an S3 bucket is created). */
  settings: () => Promise<Record<string, string>>;
}

const gateway = s3Gateway();
const SHARED_STORES: SharedStore[] = [
  { name: 'the database', skip: '', settings: async () => ({ PRODIMG_BLOB_STORE: 'database' }) },
  {
    name: 'an S3 bucket (Ceph RGW)',
    skip: s3SkipNote(),
    settings: async () => ({
      // The gateway's endpoint, region and keys, as the AWS SDK reads them in production.
      ...gateway!,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      PRODIMG_BLOB_STORE: 's3',
      PRODIMG_S3_BUCKET: await freshBucket(gateway!, 'several-servers'),
      PRODIMG_S3_FORCE_PATH_STYLE: '1',
    }),
  },
];

const SKIP = !process.env.TEST_DATABASE_URL ? 'needs PostgreSQL: set TEST_DATABASE_URL' : '';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Servers sharing a database share the key that seals its secrets. */
const SECRET_KEY = randomBytes(32).toString('hex');

describe.skipIf(SKIP !== '')(`several servers on one PostgreSQL, one Redis and one image store${SKIP ? ` (skipped: ${SKIP})` : ''}`, () => {
  for (const store of SHARED_STORES) {
    describe.skipIf(store.skip !== '')(`images in ${store.name}${store.skip}`, () => {
      let db: TestDatabase;
      let origin: Origin;
      let token: string;
      let a: ServeProcess;
      let b: ServeProcess;
      let productId: string;
      let made = 0;
      const running: ServeProcess[] = [];
      let settings: Record<string, string> = {};
      let blobs: BlobStore | undefined;
      const savedEnv = { ...process.env };

      const env = (name: string) =>
        cliEnv({
          dataDir: join(db.dataDir, name),
          databaseUrl: db.databaseUrl,
          extra: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1', PRODIMG_LOG_LEVEL: 'info', PRODIMG_VARIANT_SIZES: '16,20,24', REDIS_URL, PRODIMG_SECRET_KEY: SECRET_KEY, ...settings },
        });

      async function serve(name: string): Promise<ServeProcess> {
        const server = await startServe(env(name));
        running.push(server);
        await server.waitForLog('startup sweep done');
        return server;
      }

      async function api(server: ServeProcess, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
        const headers: Record<string, string> = { 'access-token': token };
        if (body !== undefined) headers['content-type'] = 'application/json';
        const res = await fetch(`${server.base}/openapi/2022-01${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
        return { status: res.status, json: await res.json() };
      }

      const createImage = async (server: ServeProcess) => {
        const res = await api(server, 'POST', `/products/${productId}/images`, { image: { src: origin.url('/fresh.png') } });
        expect(res.status, JSON.stringify(res.json)).toBe(200);
        return res.json.image as { id: string; src: string; path: string; width: number; height: number };
      };

      const cdn = async (server: ServeProcess, name: string) => {
        const res = await fetch(`${server.base}/cdn/${name}`);
        return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
      };

      const renders = async (server: ServeProcess) => sampleValue(await (await fetch(`${server.base}/metrics`)).text(), 'prodimg_renders_total') ?? 0;

      /**
       * The store as a third party sees it: every row's file there, and (after a gc) every file used.
       * An S3 store's client takes its endpoint and keys from this process's environment (beforeAll).
       */
      function sharedBlobs(): BlobStore {
        blobs ??= openBlobStore(loadConfig(env('check')), db.database);
        return blobs;
      }

      async function rowsMissingTheirFile(): Promise<string[]> {
        const blobs = sharedBlobs();
        const rows = await db.database.db.selectFrom('images').select(['id', 'path']).execute();
        const missing: string[] = [];
        for (const row of rows) if (isBlobName(row.path) && !(await blobs.has(row.path))) missing.push(`${row.id} ${row.path}`);
        return missing;
      }

      /** Stored files no row names (variants count with their original). */
      async function unusedFiles(): Promise<string[]> {
        const used = new Set((await db.database.db.selectFrom('images').select('path').execute()).map((row) => row.path.slice(0, 32)));
        const unused: string[] = [];
        for await (const name of sharedBlobs().list()) if (!used.has(name.slice(0, 32))) unused.push(name);
        return unused.sort();
      }

      const gc = (name: string, dryRun = false) =>
        runProcess(process.execPath, [BIN, 'gc', ...(dryRun ? ['--dry-run'] : [])], env(name)).then((run) => {
          expect(run.status, run.stderr).toBe(0);
          return JSON.parse(run.stdout) as { removed: string[]; missing: unknown[] };
        });

      beforeAll(async () => {
        // Every download is a PNG never seen before: each create stores a new file.
        origin = await startOrigin({
          '/fresh.png': (_request, response) => {
            const n = made++;
            void sharp({ create: { width: 40 + (n % 64), height: 30 + Math.floor(n / 64), channels: 3, background: { r: n % 256, g: 90, b: 170 } } })
              .png()
              .toBuffer()
              .then((png) => response.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length }).end(png));
          },
        });
        settings = await store.settings();
        for (const [name, value] of Object.entries(settings)) if (name.startsWith('AWS_')) process.env[name] = value;
        db = await freshDatabase('postgres');
        const repos = createRepositories(db.database);
        const shops = new ShopService(repos.shops, repos.tokens, systemClock);
        await shops.create('together');
        token = (await shops.createToken('together', ['read_product', 'write_product'])).token;
        [a, b] = await Promise.all([serve('a'), serve('b')]);
        productId = (await api(a, 'POST', '/products', { product: { title: 'shared' } })).json.product.id;
      }, waitsTimeout(3));

      afterAll(async () => {
        for (const server of running) server.kill();
        await origin?.close();
        await db?.drop();
        process.env = savedEnv;
      });

      it('answers through B, at once, an image created through A: details, list, the original and a variant', async () => {
        const image = await createImage(a);
        const details = await api(b, 'GET', `/products/${productId}/images/${image.id}`);
        expect(details.status).toBe(200);
        expect(details.json.image).toMatchObject({ id: image.id, path: image.path, width: image.width, height: image.height });
        const list = await api(b, 'GET', `/products/${productId}/images`);
        expect(list.json.images.map((i: { id: string }) => i.id)).toContain(image.id);
        const [fromA, fromB] = [await cdn(a, image.path), await cdn(b, image.path)];
        expect(fromB.status).toBe(200);
        expect(fromB.bytes.equals(fromA.bytes)).toBe(true);
        const variant = await cdn(b, `${image.path.replace(/\.png$/, '')}_20x.png`);
        expect(variant.status).toBe(200);
        expect((await sharp(variant.bytes).metadata()).width).toBe(20);
      });

      it('does not render again on B a variant A rendered', async () => {
        const image = await createImage(a);
        const name = `${image.path.replace(/\.png$/, '')}_24x.png?format=webp`;
        const [rendersA, rendersB] = [await renders(a), await renders(b)];
        expect((await cdn(a, name)).status).toBe(200);
        expect(await renders(a)).toBe(rendersA + 1);
        const fromB = await cdn(b, name);
        expect(fromB.status).toBe(200);
        expect(fromB.type).toBe('image/webp');
        expect(await renders(b)).toBe(rendersB);
      });

      it('answers on A as deleted an image A had just read, once B deleted it', async () => {
        const image = await createImage(a);
        expect((await api(a, 'GET', `/products/${productId}/images/${image.id}`)).status).toBe(200);
        expect((await api(a, 'GET', `/products/${productId}/images/${image.id}`)).status).toBe(200);
        expect((await api(b, 'DELETE', `/products/${productId}/images/${image.id}`)).status).toBe(200);
        const after = await api(a, 'GET', `/products/${productId}/images/${image.id}`);
        expect(after).toEqual({ status: 422, json: { errors: ['Record not found'] } });
        const list = await api(a, 'GET', `/products/${productId}/images`);
        expect(list.json.images.map((i: { id: string }) => i.id)).not.toContain(image.id);
      });

      it("collects through A's gc the files no row uses, never one still used, while B creates images (an own-CDN src among them)", async () => {
        const deleted = await createImage(a);
        const kept = await createImage(a);
        expect((await cdn(a, `${deleted.path.replace(/\.png$/, '')}_16x.png`)).status).toBe(200);
        expect((await api(a, 'DELETE', `/products/${productId}/images/${deleted.id}`)).status).toBe(200);
        // A deleted image's file and its variants go with its row, whichever server asks for them.
        expect((await cdn(b, deleted.path)).status).toBe(404);
        expect((await cdn(b, `${deleted.path.replace(/\.png$/, '')}_16x.png`)).status).toBe(404);
        // What a crash between storing and committing leaves: a file and a variant no row names.
        const orphan = await sharp({ create: { width: 12, height: 12, channels: 3, background: '#0a0' } }).png().toBuffer();
        const orphanName = `${createHash('md5').update(orphan).digest('hex')}.png`;
        await sharedBlobs().put(orphanName, orphan);
        await sharedBlobs().put(orphanName.replace('.png', '_16x.png'), orphan);
        // B keeps creating, each a new file, and one naming a file of our own CDN by its URL.
        let creating = true;
        const created: string[] = [];
        const creator = (async () => {
          while (creating) created.push((await createImage(b)).path);
        })();
        const ownSrc = await api(b, 'POST', `/products/${productId}/images`, { image: { src: `${b.base}/cdn/${kept.path}` } });
        expect(ownSrc.status, JSON.stringify(ownSrc.json)).toBe(200);
        expect(ownSrc.json.image.path).toBe(kept.path);
        const report = await gc('a');
        creating = false;
        await creator;
        const orphans = [orphanName, orphanName.replace('.png', '_16x.png')];
        expect(report.removed).toEqual(expect.arrayContaining(orphans));
        expect(created.length).toBeGreaterThan(0);
        // Beside the orphans, gc may have listed the file of a create of B's stored but not yet committed
        // when gc asked; that create's ensure() puts it back once its row commits (ImageFiles), so
        // every such file is one of B's new images, and no row lacks its file.
        expect(report.removed.filter((name) => !orphans.includes(name) && !created.includes(name))).toEqual([]);
        expect(await rowsMissingTheirFile()).toEqual([]);
        expect((await cdn(a, kept.path)).status).toBe(200);
        expect((await cdn(b, orphanName)).status).toBe(404);
      });

      it('leaves, after kill -9 of A in the middle of ingests, no row pointing at a missing file; the orphans are collected', async () => {
        let running = true;
        let done = 0;
        const client = async () => {
          while (running) {
            try {
              await api(a, 'POST', `/products/${productId}/images`, { image: { src: origin.url('/fresh.png') } });
              done++;
            } catch {
              return; // A is gone
            }
          }
        };
        const clients = Array.from({ length: 6 }, client);
        while (done < 6) await new Promise((resolve) => setImmediate(resolve));
        a.kill();
        running = false;
        await a.exited;
        await Promise.all(clients);
        expect(await rowsMissingTheirFile()).toEqual([]);
        const left = await unusedFiles();
        console.log(`several servers (${store.name}): ${done} creates answered before kill -9, ${left.length} files left without a row`);
        const report = await gc('b');
        expect(report.removed.sort()).toEqual(expect.arrayContaining(left));
        expect(await unusedFiles()).toEqual([]);
        const again = await gc('b', true);
        expect(again.removed).toEqual([]);
        expect(again.missing).toEqual([]);
        // B still serves every image the database holds.
        const list = await api(b, 'GET', `/products/${productId}/images?limit=250`);
        for (const image of list.json.images as Array<{ path: string }>) expect((await cdn(b, image.path)).status, image.path).toBe(200);
      });
    });
  }
});
