import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/storage/database.js';
import { freshDatabase, type TestDatabase } from '../support/databases.js';
import { cliEnv, createShopToken, type ServeProcess, startServe } from './support-server.js';

// Restarting the machine's one PostgreSQL server would break every other suite running against it at
// the same moment, so this runs only on its own: `npm run test:pg-restart`.
const ENABLED = process.env.PRODIMG_PG_RESTART === '1' && Boolean(process.env.TEST_DATABASE_URL);

/** Asynchronous, so the clients keep sending while the server goes down and comes back. */
async function restartPostgres(): Promise<void> {
  const version = readdirSync('/etc/postgresql')[0]!;
  await promisify(execFile)('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], { timeout: 60_000 });
}

describe.skipIf(!ENABLED)('PostgreSQL restarted under load (only with PRODIMG_PG_RESTART=1: it restarts the shared server)', () => {
  let db: TestDatabase;
  let server: ServeProcess;
  let token: string;
  beforeAll(async () => {
    db = await freshDatabase('postgres');
    token = await createShopToken(db.database, 'restart');
    await db.database.close();
    server = await startServe(cliEnv({ dataDir: db.dataDir, databaseUrl: db.databaseUrl }));
  });
  afterAll(async () => {
    server?.kill();
    await db?.drop().catch(() => {});
  });

  it('answers 503 (never 500) while the database is away, recovers by itself, and keeps positions 1..n', async () => {
    const headers = { 'access-token': token, 'content-type': 'application/json' };
    const api = `${server.base}/openapi/2022-01`;
    const created = await fetch(`${api}/products`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ product: { title: 'R', images: Array.from({ length: 5 }, (_, i) => ({ src: `https://img.example.com/${i}.jpg` })) } }),
    });
    const productId = (await created.json()).product.id;
    const statuses = new Map<number, number>();
    let socketErrors = 0;
    let running = true;
    const client = async (seed: number) => {
      for (let i = 0; running; i++) {
        const kind = (seed + i) % 4;
        try {
          const res =
            kind === 0
              ? await fetch(`${api}/products/${productId}/images`, { method: 'POST', headers, body: JSON.stringify({ image: { src: 'https://img.example.com/n.jpg', position: 1 } }) })
              : kind === 1
                ? await fetch(`${api}/products/${productId}/images`, { headers })
                : await fetch(`${api}/products/${productId}/images/count`, { headers });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        } catch {
          socketErrors++;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const clients = Array.from({ length: 4 }, (_, seed) => client(seed));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await restartPostgres();
    let recoveredAfterMs = -1;
    const back = Date.now();
    while (Date.now() - back < 20_000) {
      const res = await fetch(`${api}/products/${productId}/images/count`, { headers }).catch((err: unknown) => {
        throw new Error(`the server went away: ${String(err)}\n${server.stderr.join('').slice(-3000)}`);
      });
      if (res.status === 200) {
        recoveredAfterMs = Date.now() - back;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    running = false;
    await Promise.all(clients);

    console.log(`pg-restart: statuses ${JSON.stringify(Object.fromEntries(statuses))}, recovered ${recoveredAfterMs} ms after the restart`);
    expect(socketErrors).toBe(0);
    const unexpected = server.logs.filter((entry) => entry.msg === 'unexpected failure').map((entry) => entry.err?.message);
    expect(unexpected).toEqual([]);
    expect([...statuses.keys()].every((status) => status === 200 || status === 503)).toBe(true);
    expect(recoveredAfterMs).toBeGreaterThanOrEqual(0);
    const check = await openDatabase({ dataDir: db.dataDir, databaseUrl: db.databaseUrl });
    try {
      const rows = await check.db.selectFrom('images').select('position').where('product_id', '=', productId).orderBy('position').execute();
      expect(rows.map((row) => row.position)).toEqual(rows.map((_, i) => i + 1));
      const count = await fetch(`${api}/products/${productId}/images/count`, { headers });
      expect((await count.json()).count).toBe(rows.length);
    } finally {
      await check.close();
    }
  }, 90_000);
});
