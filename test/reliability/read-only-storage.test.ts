import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse as Response } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { AdminAuth } from '../../src/domain/admin-auth.js';
import { systemClock } from '../../src/domain/clock.js';
import { ADMIN_API } from '../../src/server/admin/admin-api.js';
import { buildApp } from '../../src/server/build-app.js';
import { KyselyAdminKeyRepository } from '../../src/storage/admin-key-repository.js';
import { makeNoise } from '../imaging/fixtures/images.js';
import { type Origin, send, startOrigin } from '../imaging/fixtures/origin-server.js';
import { V } from '../support/api.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { createShopToken } from '../support/shops.js';
import { mountTmpfs, type Tmpfs } from '../support/tmpfs.js';

const IMAGES_READ_ONLY = 'Service Unavailable: the disk that holds the images is read-only; retry once it takes writes again';

// Mounted here, not in beforeAll, so a refusal skips the suites with its reason on their line.
const mounts = new Map(DIALECTS.map((dialect) => [dialect, mountTmpfs(16, 'prodimg-ro-')]));
const refused = [...mounts.values()].find((mount): mount is string => typeof mount === 'string') ?? null;

// Regression (issue 28): a data directory that turned read-only answered image creation with 500
// while /readyz said `blobs: ok`. As root, chmod stops nothing: the tmpfs is remounted read-only.
describe.skipIf(refused !== null).each(DIALECTS)(`a read-only data directory on %s${refused ? ` (skipped: ${refused})` : ''}`, (dialect) => {
  let mount: Tmpfs;
  let db: TestDatabase;
  let app: FastifyInstance;
  let origin: Origin;
  let token: string;
  let admin: (method: 'GET' | 'POST', url: string, body?: { payload: string | Buffer | object; type: string }) => Promise<Response>;
  let shopId: string;
  let productId: string;
  let image: Buffer;
  let upload: Buffer;

  beforeAll(async () => {
    mount = mounts.get(dialect) as Tmpfs;
    const dataDir = join(mount.dir, 'data');
    // The imports folder there already, so the import's file itself is refused (the write it wraps).
    mkdirSync(join(dataDir, 'imports'), { recursive: true });
    image = await makeNoise(60, 40).jpeg().toBuffer();
    upload = await makeNoise(60, 40).jpeg().toBuffer();
    origin = await startOrigin({ '/new.jpg': send(image, 'image/jpeg'), '/stored.jpg': send(await makeNoise(60, 40).jpeg().toBuffer(), 'image/jpeg') });
    // The database stays writable, on a disk of its own: as after `chmod -R a-w` on the data
    // directory of a server that already has its SQLite file open. Linux refuses to remount a file
    // system read-only while a file on it is open for writing, and a read-only SQLite file is
    // test/server/storage-failure.test.ts's.
    db = await freshDatabase(dialect);
    const env: Record<string, string> = {
      PRODIMG_DATA_DIR: dataDir,
      PRODIMG_INGEST: 'fetch',
      PRODIMG_ALLOW_PRIVATE_SOURCES: '1',
      PRODIMG_BLOB_STORE: 'local',
      PRODIMG_STARTUP_SWEEP: '0',
      // Every checked download waits for its row in the data directory's spool, not in memory: a
      // file already stored still needs that write.
      PRODIMG_INGEST_KEEP_MB: '0',
      ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    };
    app = await buildApp({ config: loadConfig(env), database: db.database });
    token = await createShopToken(db.database, 'alpha');
    // Signed in, and the product made, while the disk still takes writes (both are rows).
    const { key } = await new AdminAuth(new KyselyAdminKeyRepository(db.database.db), systemClock).createKey('read-only');
    const signedIn = await app.inject({ method: 'POST', url: `${ADMIN_API}/session`, payload: { key } });
    const headers = { cookie: String(signedIn.headers['set-cookie']).split(';')[0]!, 'x-csrf-token': signedIn.json().csrf_token as string };
    admin = (method, url, body) =>
      app.inject({ method, url: `${ADMIN_API}${url}`, headers: { ...headers, ...(body ? { 'content-type': body.type } : {}) }, ...(body ? { payload: body.payload } : {}) });
    shopId = (await admin('GET', '/stores')).json().stores[0].id as string;
    productId = (await call('POST', 'products', { product: { title: 'P' } })).json().product.id as string;
    // A file stored before: adding it again stores nothing, but the download still waits in the spool.
    const stored = await call('POST', 'products', { product: { title: 'Stored', images: [{ src: origin.url('/stored.jpg') }] } });
    expect(stored.statusCode, stored.body).toBe(200);
  });
  afterAll(async () => {
    mount?.writable();
    await app?.close();
    await db?.database.close().catch(() => undefined);
    await db?.drop();
    await origin?.close();
    mount?.unmount();
  });

  const call = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({ method, url: `${V}/${url}`, headers: { 'access-token': token, 'content-type': 'application/json' }, ...(payload ? { payload: payload as object } : {}) });
  const answer = (response: Response) => ({ status: response.statusCode, retryAfter: response.headers['retry-after'], body: response.json() });

  it('answers 503 with Retry-After naming the read-only storage (API, admin upload, add by URL and import), /readyz says blobs failing, and all works again once writable', async () => {
    expect(answer(await app.inject({ method: 'GET', url: '/readyz' })).body).toEqual({ status: 'ok', checks: { database: 'ok', blobs: 'ok' } });
    // The spool folder gone too (kept-bytes.ts makes it again each time): its making is refused first.
    rmSync(join(mount.dir, 'data', 'spool'), { recursive: true, force: true });
    mount.readOnly();
    try {
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect({ status: ready.statusCode, body: ready.json() }).toEqual({ status: 503, body: { status: 'unavailable', checks: { database: 'ok', blobs: 'failing' } } });

      const created = await call('POST', `products/${productId}/images`, { image: { src: origin.url('/new.jpg') } });
      expect(answer(created)).toEqual({ status: 503, retryAfter: '1', body: { errors: [IMAGES_READ_ONLY] } });
      const again = await call('POST', `products/${productId}/images`, { image: { src: origin.url('/stored.jpg') } });
      expect(answer(again)).toEqual({ status: 503, retryAfter: '1', body: { errors: [IMAGES_READ_ONLY] } });
      const uploaded = await admin('POST', `/stores/${shopId}/products/${productId}/uploads`, { payload: upload, type: 'image/jpeg' });
      expect(answer(uploaded)).toEqual({ status: 503, retryAfter: '1', body: { errors: [IMAGES_READ_ONLY] } });
      const byUrl = await admin('POST', `/stores/${shopId}/products/${productId}/images`, { payload: { src: origin.url('/new.jpg') }, type: 'application/json' });
      expect(answer(byUrl)).toEqual({ status: 503, retryAfter: '1', body: { errors: [IMAGES_READ_ONLY] } });
      const imported = await admin('POST', `/stores/${shopId}/imports`, { payload: 'Handle,Title\nimported,Imported\n', type: 'text/csv' });
      expect(answer(imported)).toEqual({ status: 503, retryAfter: '1', body: { errors: [IMAGES_READ_ONLY] } });
      // Reads, and writes that store no file, still answer.
      expect(answer(await call('GET', `products/${productId}/images/count`))).toMatchObject({ status: 200, body: { count: 0 } });
      expect((await call('POST', 'products', { product: { title: 'Q' } })).statusCode).toBe(200);
    } finally {
      mount.writable();
    }
    expect(answer(await app.inject({ method: 'GET', url: '/readyz' })).body).toEqual({ status: 'ok', checks: { database: 'ok', blobs: 'ok' } });
    expect((await call('POST', `products/${productId}/images`, { image: { src: origin.url('/new.jpg') } })).statusCode).toBe(200);
    expect((await admin('POST', `/stores/${shopId}/products/${productId}/uploads`, { payload: upload, type: 'image/jpeg' })).statusCode).toBe(201);
    expect((await call('POST', 'products', { product: { title: 'after' } })).statusCode).toBe(200);
    expect(readdirSync(join(mount.dir, 'data', 'images')).filter((name) => name.startsWith('.'))).toEqual([]);
  });
});

afterAll(() => {
  // A suite that never started (a failed beforeAll) still gives its mount back.
  for (const mount of mounts.values()) {
    if (typeof mount === 'string') continue;
    try {
      mount.writable();
      mount.unmount();
    } catch {
      // Unmounted by its suite already.
    }
  }
});
