import { sql } from 'kysely';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { ShopService } from '../../src/domain/shop-service.js';
import { isBlobName } from '../../src/imaging/blob-store.js';
import { loadConfig } from '../../src/config.js';
import { openBlobStore } from '../../src/open-blob-store.js';
import { createRepositories } from '../../src/storage/repositories.js';
import { type Origin, startOrigin } from '../imaging/fixtures/origin-server.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { scale } from '../support/stress.js';
import { cliEnv, type ServeProcess, startServe } from './support-server.js';
import { waitsTimeout } from '../support/waiting.js';

/** Starts `serve` with ingestion on and waits for its start-up sweep to finish. */
async function startServer(db: TestDatabase): Promise<ServeProcess> {
  const env = cliEnv({
    dataDir: db.dataDir,
    databaseUrl: db.databaseUrl,
    extra: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1', PRODIMG_LOG_LEVEL: 'info' },
  });
  const server = await startServe(env);
  await server.waitForLog('startup sweep done');
  return server;
}

const ROUNDS = scale(4, 20);

describe('crash safety: kill -9 during a burst of creates and deletes', () => {
  describe.each(DIALECTS)('on %s', (dialect) => {
    let db: TestDatabase;
    let origin: Origin;
    let token: string;
    let productIds: string[];
    let current: ServeProcess | undefined;

    beforeAll(async () => {
      // Every create fetches bytes never seen before, so every create stores a new file: a crash
      // between storing it and committing its row leaves an orphan for the sweep to find.
      let made = 0;
      origin = await startOrigin({
        '/fresh.png': (_request, response) => {
          const n = made++;
          void sharp({ create: { width: 8 + (n % 64), height: 8 + Math.floor(n / 64), channels: 3, background: { r: n % 256, g: 80, b: 160 } } })
            .png()
            .toBuffer()
            .then((png) => response.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length }).end(png));
        },
      });
      db = await freshDatabase(dialect);
      const repos = createRepositories(db.database);
      const shops = new ShopService(repos.shops, repos.tokens, systemClock);
      await shops.create('crashy');
      token = (await shops.createToken('crashy', ['write_product'])).token;
    });
    afterAll(async () => {
      current?.kill();
      await origin.close();
      await db.drop();
    });

    /** Every row has its file, every stored file is used by a row, positions are 1..n, the database is sound. */
    async function expectConsistent(): Promise<void> {
      const config = loadConfig({ PRODIMG_DATA_DIR: db.dataDir, ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}) });
      const blobs = openBlobStore(config, db.database);
      const rows = await db.database.db.selectFrom('images').select(['id', 'product_id', 'position', 'path']).execute();
      for (const row of rows) if (isBlobName(row.path)) expect(await blobs.has(row.path), `file of image ${row.id}`).toBe(true);
      const used = new Set(rows.map((row) => row.path));
      for await (const name of blobs.list()) expect(used.has(name), `stored file ${name} is referenced`).toBe(true);
      const byProduct = new Map<string, number[]>();
      for (const row of rows) byProduct.set(row.product_id, [...(byProduct.get(row.product_id) ?? []), row.position]);
      for (const positions of byProduct.values()) {
        expect(positions.sort((a, b) => a - b)).toEqual(positions.map((_, i) => i + 1));
      }
      if (dialect === 'sqlite') {
        const check = await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(db.database.db);
        expect(check.rows).toEqual([{ integrity_check: 'ok' }]);
      }
    }

    it(`stays consistent across ${ROUNDS} crashes`, async () => {
      const headers = { 'access-token': token, 'content-type': 'application/json' };
      let operations = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const server = await startServer(db);
        current = server;
        await expectConsistent();
        if (round === 0) {
          productIds = [];
          for (let p = 0; p < 3; p++) {
            const res = await fetch(`${server.base}/openapi/2022-01/products`, { method: 'POST', headers, body: JSON.stringify({ product: { title: `P${p}` } }) });
            productIds.push((await res.json()).product.id);
          }
        }
        // A burst of 8 concurrent clients, killed at a random moment mid-flight.
        let running = true;
        const client = async (seed: number) => {
          for (let i = 0; running; i++) {
            const productId = productIds[(seed + i) % productIds.length]!;
            const url = `${server.base}/openapi/2022-01/products/${productId}/images`;
            try {
              if ((seed + i) % 3 === 2) {
                const list = await (await fetch(url, { headers })).json();
                const victim = list.images?.[0];
                if (victim) await fetch(`${url}/${victim.id}`, { method: 'DELETE', headers });
              } else {
                const src = origin.url('/fresh.png');
                await fetch(url, { method: 'POST', headers, body: JSON.stringify({ image: { src, position: (i % 4) + 1 } }) });
              }
              operations++;
            } catch {
              return; // the server is gone
            }
          }
        };
        const clients = Array.from({ length: 8 }, (_, seed) => client(seed));
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 400));
        server.kill();
        running = false;
        await server.exited;
        await Promise.all(clients);
      }
      const last = await startServer(db);
      current = last;
      await expectConsistent();
      last.child.kill('SIGTERM');
      await last.exited;
      console.log(`crash (${dialect}): ${ROUNDS} kill -9 rounds, ${operations} operations completed, consistent after each restart`);
      expect(operations).toBeGreaterThan(ROUNDS);
    }, waitsTimeout(ROUNDS + 1));
  });
});
