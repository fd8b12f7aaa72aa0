import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/server/build-app.js';
import { type Database, openDatabase } from '../../src/storage/database.js';
import { makeNoise } from '../imaging/fixtures/images.js';
import { type Origin, send, startOrigin } from '../imaging/fixtures/origin-server.js';
import { V } from '../support/api.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { createShopToken } from '../support/shops.js';

const FULL = /^Insufficient Storage: no space is left (on the disk that holds the images|for the database); retry once space is freed$/;

/** A small tmpfs made for this test (as root); null with the reason when mounting is refused. */
function mountTmpfs(megabytes: number): { dir: string; unmount(): void } | string {
  const dir = mkdtempSync(join(tmpdir(), 'prodimg-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return `mounting a tmpfs was refused (${String((error as { stderr?: Buffer }).stderr ?? error).trim()})`;
  }
  return {
    dir,
    unmount() {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const mount = mountTmpfs(8);
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
  beforeAll(async () => {
    const { dir } = mount as { dir: string };
    dataDir = join(dir, dialect);
    mkdirSync(dataDir, { recursive: true });
    // Noise does not compress: about 300 KB, more than the space left below.
    image = await makeNoise(400, 300).jpeg({ quality: 95 }).toBuffer();
    origin = await startOrigin({ '/big.jpg': send(image, 'image/jpeg') });
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
