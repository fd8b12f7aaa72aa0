import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { AdminAuth } from '../../src/domain/admin-auth.js';
import { systemClock } from '../../src/domain/clock.js';
import { ADMIN_API } from '../../src/server/admin/admin-api.js';
import { KyselyAdminKeyRepository } from '../../src/storage/admin-key-repository.js';
import { buildApp } from '../../src/server/build-app.js';
import { type Database, openDatabase } from '../../src/storage/database.js';
import { makeNoise } from '../imaging/fixtures/images.js';
import { type Origin, send, startOrigin } from '../imaging/fixtures/origin-server.js';
import { V } from '../support/api.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { createShopToken } from '../support/shops.js';
import { mountTmpfs } from '../support/tmpfs.js';

const FULL = /^Insufficient Storage: no space is left (on the disk that holds the images|for the database); retry once space is freed$/;

const mount = mountTmpfs(8, 'prodimg-full-');
const refused = typeof mount === 'string' ? mount : null;
if (refused) console.warn(`disk-full suites SKIPPED: ${refused}`);

/** Fills the file system holding `dir` until ENOSPC, then frees `leave` bytes; returns the filler file. */
async function fill(dir: string, leave: number): Promise<string> {
  const filler = join(dir, `filler-${Date.now()}`);
  const handle = await open(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) await handle.write(chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
  const { size } = await handle.stat();
  await handle.truncate(Math.max(0, size - leave));
  await handle.close();
  return filler;
}

const freeBytes = (dir: string) => {
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
};

/** Names under the images folder that are not finished files (temp files of a put cut short). */
function leftovers(imagesDir: string): string[] {
  let names: string[] = [];
  try {
    for (const shard of readdirSync(imagesDir)) names = names.concat(readdirSync(join(imagesDir, shard)).filter((name) => name.startsWith('.')));
  } catch {
    // No images folder yet: nothing left over.
  }
  return names;
}

describe.skipIf(refused !== null).each(DIALECTS)('a full disk on %s', (dialect) => {
  let db: TestDatabase | { database: Database; drop(): Promise<void> };
  let dataDir: string;
  let app: FastifyInstance;
  let origin: Origin;
  let token: string;
  let image: Buffer;
  /** Other bytes than `image` (stored by then): one for the admin page's upload, one for its add-by-URL. */
  let uploadImage: Buffer;
  let byUrlImage: Buffer;
  beforeAll(async () => {
    const { dir } = mount as { dir: string };
    dataDir = join(dir, dialect);
    mkdirSync(dataDir, { recursive: true });
    // Noise does not compress: about 300 KB, more than the space left below.
    image = await makeNoise(400, 300).jpeg({ quality: 95 }).toBuffer();
    uploadImage = await makeNoise(400, 300).jpeg({ quality: 95 }).toBuffer();
    byUrlImage = await makeNoise(400, 300).jpeg({ quality: 95 }).toBuffer();
    origin = await startOrigin({ '/big.jpg': send(image, 'image/jpeg'), '/by-url.jpg': send(byUrlImage, 'image/jpeg') });
    // SQLite lives on the tmpfs with the images; PostgreSQL keeps its own disk, the images go to the tmpfs.
    db = dialect === 'sqlite' ? { database: await openDatabase({ dataDir }), drop: async () => {} } : await freshDatabase(dialect);
    const env: Record<string, string> = {
      PRODIMG_DATA_DIR: dataDir,
      PRODIMG_INGEST: 'fetch',
      PRODIMG_ALLOW_PRIVATE_SOURCES: '1',
      PRODIMG_BLOB_STORE: 'local',
      PRODIMG_STARTUP_SWEEP: '0',
      ...('databaseUrl' in db && db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    };
    app = await buildApp({ config: loadConfig(env), database: db.database });
    token = await createShopToken(db.database, 'alpha');
  });
  afterAll(async () => {
    await app.close();
    await db.database.close().catch(() => undefined);
    await db.drop();
    await origin.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({ method, url: `${V}/${url}`, headers: { 'access-token': token, 'content-type': 'application/json' }, ...(payload ? { payload: payload as object } : {}) });

  it('answers 507 for an image that does not fit, leaves nothing half-written, and works again once space is freed', async () => {
    const product = (await call('POST', 'products', { product: { title: 'P' } })).json().product;
    const filler = await fill(dataDir, 64 * 1024);
    expect(freeBytes(dataDir)).toBeLessThan(image.length);
    try {
      const created = await call('POST', `products/${product.id}/images`, { image: { src: origin.url('/big.jpg') } });
      expect({ status: created.statusCode, body: created.json() }).toEqual({ status: 507, body: { errors: [expect.stringMatching(FULL)] } });
      const withProduct = await call('POST', 'products', { product: { title: 'Q', images: [{ src: origin.url('/big.jpg') }] } });
      expect(withProduct.statusCode).toBe(507);
      expect(withProduct.json().errors).toEqual([expect.stringMatching(FULL)]);
      expect((await call('GET', `products/${product.id}/images/count`)).json()).toEqual({ count: 0 });
      expect((await call('GET', 'products/count')).json()).toEqual({ count: 1 });
      expect(leftovers(join(dataDir, 'images'))).toEqual([]);
    } finally {
      await rm(filler);
    }
    const again = await call('POST', `products/${product.id}/images`, { image: { src: origin.url('/big.jpg') } });
    expect(again.statusCode).toBe(200);
  });

  /** Signed in to the admin API (before the disk fills: the session is a database row). */
  const adminSession = async () => {
    const { key } = await new AdminAuth(new KyselyAdminKeyRepository(db.database.db), systemClock).createKey('disk-full');
    const signedIn = await app.inject({ method: 'POST', url: `${ADMIN_API}/session`, payload: { key } });
    expect(signedIn.statusCode).toBe(200);
    const headers = { cookie: String(signedIn.headers['set-cookie']).split(';')[0]!, 'x-csrf-token': signedIn.json().csrf_token as string };
    return (method: 'GET' | 'POST', url: string, body?: { payload: string | Buffer | object; type: string }) =>
      app.inject({ method, url: `${ADMIN_API}${url}`, headers: { ...headers, ...(body ? { 'content-type': body.type } : {}) }, ...(body ? { payload: body.payload } : {}) });
  };

  it("answers 507 in the admin API's shape for the admin page's upload, add-by-URL and import on a full disk, and works again once space is freed", async () => {
    const admin = await adminSession();
    const shopId = (await admin('GET', '/stores')).json().stores[0].id as string;
    const product = (await call('POST', 'products', { product: { title: 'Admin' } })).json().product;
    const images = `/stores/${shopId}/products/${product.id}/images`;
    // Noise in a CSV does not compress either: more than the space left.
    const csvFile = `Handle,Title\n${Array.from({ length: 3000 }, (_, i) => `p${i},${randomBytes(48).toString('hex')}`).join('\n')}\n`;
    const filler = await fill(dataDir, 64 * 1024);
    try {
      const uploaded = await admin('POST', `/stores/${shopId}/products/${product.id}/uploads`, { payload: uploadImage, type: 'image/jpeg' });
      expect({ status: uploaded.statusCode, body: uploaded.json() }).toEqual({ status: 507, body: { errors: [expect.stringMatching(FULL)] } });
      const byUrl = await admin('POST', images, { payload: { src: origin.url('/by-url.jpg') }, type: 'application/json' });
      expect({ status: byUrl.statusCode, body: byUrl.json() }).toEqual({ status: 507, body: { errors: [expect.stringMatching(FULL)] } });
      const imported = await admin('POST', `/stores/${shopId}/imports`, { payload: csvFile, type: 'text/csv' });
      expect({ status: imported.statusCode, body: imported.json() }).toEqual({ status: 507, body: { errors: [expect.stringMatching(FULL)] } });
      expect((await call('GET', `products/${product.id}/images/count`)).json()).toEqual({ count: 0 });
      expect(readdirSync(join(dataDir, 'imports'))).toEqual([]);
    } finally {
      await rm(filler);
    }
    expect((await admin('POST', `/stores/${shopId}/products/${product.id}/uploads`, { payload: uploadImage, type: 'image/jpeg' })).statusCode).toBe(201);
    expect((await admin('POST', images, { payload: { src: origin.url('/by-url.jpg') }, type: 'application/json' })).statusCode).toBe(201);
  });

  it('/readyz answers 503 naming the file store while the disk is full (its probe writes), and 200 once space is freed', async () => {
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ok', checks: { database: 'ok', blobs: 'ok' } });
    const filler = await fill(dataDir, 0);
    try {
      const full = await app.inject({ method: 'GET', url: '/readyz' });
      expect({ status: full.statusCode, body: full.json() }).toEqual({ status: 503, body: { status: 'unavailable', checks: { database: 'ok', blobs: 'failing' } } });
    } finally {
      await rm(filler);
    }
    const freed = await app.inject({ method: 'GET', url: '/readyz' });
    expect({ status: freed.statusCode, body: freed.json() }).toEqual({ status: 200, body: { status: 'ok', checks: { database: 'ok', blobs: 'ok' } } });
    // The probe leaves nothing behind in the images folder.
    expect(readdirSync(join(dataDir, 'images')).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it.skipIf(dialect !== 'sqlite')(
    'answers 507 when the database itself cannot grow (not "cannot rollback"), and works again once space is freed (SQLite only: PostgreSQL keeps its data on its own disk)',
    async () => {
      const filler = await fill(dataDir, 0);
      try {
        let answer = await call('POST', 'products', { product: { title: 'x'.repeat(200), description: 'y'.repeat(60_000) } });
        // The WAL may hold a few pages of slack: write until it is full.
        for (let i = 0; i < 50 && answer.statusCode === 200; i++) {
          answer = await call('POST', 'products', { product: { title: 'x'.repeat(200), description: 'y'.repeat(60_000) } });
        }
        expect({ status: answer.statusCode, body: answer.json() }).toEqual({ status: 507, body: { errors: [expect.stringMatching(FULL)] } });
      } finally {
        await rm(filler);
      }
      expect((await call('POST', 'products', { product: { title: 'after' } })).statusCode).toBe(200);
    },
  );
});

afterAll(() => {
  if (typeof mount !== 'string') mount.unmount();
});
