import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminAuth } from '../../src/domain/admin-auth.js';
import { systemClock } from '../../src/domain/clock.js';
import { KyselyAdminKeyRepository } from '../../src/storage/admin-key-repository.js';
import { adminQuery, freshDatabase, type TestDatabase } from '../support/databases.js';
import { cliEnv, createShopToken, type ServeProcess, startServe } from './support-server.js';

// A real `prodimg serve` (the server's own bounds come from its settings), and real locks taken by
// a second session. The bounds are short so the tests finish in seconds; SLACK_MS is for a loaded machine.
const PG = Boolean(process.env.TEST_DATABASE_URL);
const SLACK_MS = 6000;
/** A request still unanswered this long hangs: it fails the test instead of holding it. */
const HANG_MS = 30_000;

interface Answer {
  status: number;
  retryAfter: string | null;
  ms: number;
}

async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(HANG_MS) });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), ms: performance.now() - started };
}

const createBody = (title: string) => JSON.stringify({ product: { title } });

/** A session of its own that locks `table` until released (ROLLBACK), as an operator's or a migration's would. */
async function lockTable(url: string, table: string): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  return {
    async release() {
      await client.query('ROLLBACK').catch(() => {});
      await client.end().catch(() => {});
    },
  };
}


async function productCount(db: TestDatabase): Promise<number> {
  const row = await db.database.db.selectFrom('products').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

describe.skipIf(!PG)('PostgreSQL: a lock held by another session (needs TEST_DATABASE_URL)', () => {
  const ACQUIRE_MS = 1000;
  const LOCK_MS = 1000;
  let db: TestDatabase;
  let server: ServeProcess;
  let api: string;
  let headers: Record<string, string>;
  let productId: string;
  beforeAll(async () => {
    db = await freshDatabase('postgres');
    const token = await createShopToken(db.database, 'locked');
    headers = { 'access-token': token, 'content-type': 'application/json' };
    server = await startServe(
      cliEnv({
        dataDir: db.dataDir,
        databaseUrl: db.databaseUrl,
        // No read cache: every read goes to the database, as a first read does.
        extra: { PRODIMG_DB_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_MS), PRODIMG_DB_LOCK_TIMEOUT_MS: String(LOCK_MS), PRODIMG_READ_CACHE: 'off' },
      }),
    );
    api = `${server.base}/openapi/2022-01`;
    const created = await fetch(`${api}/products`, { method: 'POST', headers, body: createBody('Locked') });
    productId = ((await created.json()) as { product: { id: string } }).product.id;
  });
  afterAll(async () => {
    server?.kill();
    await db?.drop().catch(() => {});
  });

  it('answers every request 503 with Retry-After within acquire + lock bound, /readyz failing and /healthz 200, then recovers', async () => {
    const images = await lockTable(db.databaseUrl!, 'images');
    const products = await lockTable(db.databaseUrl!, 'products');
    let during: { answers: Array<Answer & { kind: string }>; ready: Answer; ready_body: string; health: Answer };
    try {
      const kinds: Array<[string, () => Promise<Answer>]> = [
        ['count', () => send(`${api}/products/count`, { headers })],
        ['list', () => send(`${api}/products`, { headers })],
        ['details', () => send(`${api}/products/${productId}`, { headers })],
        ['image count', () => send(`${api}/products/${productId}/images/count`, { headers })],
        ['create', () => send(`${api}/products`, { method: 'POST', headers, body: createBody('During') })],
        ['bad token', () => send(`${api}/products/count`, { headers: { 'access-token': 'not-a-token' } })],
      ];
      // Three times the pool (10) in flight, so requests wait for connections as well as for the locks.
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => kinds[i % kinds.length]!).map(async ([kind, run]) => ({ kind, ...(await run()) })));
      const readyRes = await fetch(`${server.base}/readyz`, { signal: AbortSignal.timeout(HANG_MS) });
      const ready_body = await readyRes.text();
      const health = await send(`${server.base}/healthz`);
      during = { answers, ready: { status: readyRes.status, retryAfter: null, ms: 0 }, ready_body, health };
    } finally {
      await images.release();
      await products.release();
    }
    const bound = ACQUIRE_MS + LOCK_MS + SLACK_MS;
    const late = during.answers.filter((answer) => answer.ms > bound).map((answer) => `${answer.kind}: ${Math.round(answer.ms)} ms`);
    expect(late).toEqual([]);
    // A bad token may be refused before any locked table is read, when the pool has a connection for it.
    const wrong = during.answers.filter((answer) => !(answer.status === 503 || (answer.kind === 'bad token' && answer.status === 401)));
    expect(wrong.map((answer) => `${answer.kind}: ${answer.status}`)).toEqual([]);
    expect(during.answers.filter((answer) => answer.status === 503).every((answer) => Number(answer.retryAfter) >= 1)).toBe(true);
    expect(during.ready.status).toBe(503);
    expect(JSON.parse(during.ready_body).checks.database).toBe('failing');
    expect(during.health.status).toBe(200);

    // The locks gone, the same server answers again.
    expect((await send(`${api}/products/count`, { headers })).status).toBe(200);
    expect((await send(`${server.base}/readyz`)).status).toBe(200);
  }, 120_000);
});

describe.skipIf(!PG)('PostgreSQL: clients that give up while a lock holds their writes (needs TEST_DATABASE_URL)', () => {
  const BOUND_MS = 5000;
  let db: TestDatabase;
  let server: ServeProcess;
  let headers: Record<string, string>;
  beforeAll(async () => {
    db = await freshDatabase('postgres');
    const token = await createShopToken(db.database, 'impatient');
    headers = { 'access-token': token, 'content-type': 'application/json' };
    server = await startServe(
      cliEnv({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, extra: { PRODIMG_DB_ACQUIRE_TIMEOUT_MS: String(BOUND_MS), PRODIMG_DB_LOCK_TIMEOUT_MS: String(BOUND_MS) } }),
    );
  });
  afterAll(async () => {
    server?.kill();
    await db?.drop().catch(() => {});
  });

  it('commits no create whose client gave up after 1 s while the lock was held 3 s', async () => {
    const CLIENTS = 12;
    const lock = await lockTable(db.databaseUrl!, 'products');
    const lockedAt = performance.now();
    let outcomes: string[];
    try {
      outcomes = await Promise.all(
        Array.from({ length: CLIENTS }, (_, i) =>
          fetch(`${server.base}/openapi/2022-01/products`, { method: 'POST', headers, body: createBody(`Gave up ${i}`), signal: AbortSignal.timeout(1000) }).then(
            (res) => `answered ${res.status}`,
            (err: Error) => err.name,
          ),
        ),
      );
      // The scenario of issue 28: the lock outlives the clients' patience, not the server's bound.
      await sleep(Math.max(0, lockedAt + 3000 - performance.now()));
    } finally {
      await lock.release();
    }
    expect(outcomes).toEqual(Array(CLIENTS).fill('TimeoutError'));
    // Each write, freed by the lock, meets its gone client when it begins or before it commits.
    await server.waitForLog('client went away; its write was not committed', CLIENTS, HANG_MS);
    expect(await productCount(db)).toBe(0);
    // A client that stays gets its create.
    const kept = await send(`${server.base}/openapi/2022-01/products`, { method: 'POST', headers, body: createBody('Stayed') });
    expect(kept.status).toBe(200);
    expect(await productCount(db)).toBe(1);
  }, 120_000);
});

describe.skipIf(!PG)('PostgreSQL: a role with a CONNECTION LIMIT (needs TEST_DATABASE_URL)', () => {
  // Role names are cluster-wide: one of its own per run.
  const role = `prodimg_limited_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const adminUrl = process.env.TEST_DATABASE_URL!;
  let db: TestDatabase;
  let server: ServeProcess;
  let headers: Record<string, string>;
  beforeAll(async () => {
    await adminQuery(adminUrl, `CREATE ROLE ${role} LOGIN NOSUPERUSER CONNECTION LIMIT 4`);
    db = await freshDatabase('postgres');
    const token = await createShopToken(db.database, 'limited');
    headers = { 'access-token': token, 'content-type': 'application/json' };
    await adminQuery(
      db.databaseUrl!,
      `GRANT USAGE, CREATE ON SCHEMA public TO ${role}; GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role}; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${role}`,
    );
    const url = new URL(db.databaseUrl!);
    url.username = role;
    url.password = '';
    server = await startServe(cliEnv({ dataDir: db.dataDir, databaseUrl: url.toString() }));
  });
  afterAll(async () => {
    server?.kill();
    await server?.exited;
    await db?.drop().catch(() => {});
    await adminQuery(adminUrl, `DROP ROLE IF EXISTS ${role}`);
  });

  it('answers 60 concurrent creates over a pool larger than the limit with 200s and 503s, never a 500', async () => {
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => send(`${server.base}/openapi/2022-01/products`, { method: 'POST', headers, body: createBody(`Limited ${i}`) })),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status !== 200 && status !== 503)).toEqual([]);
    expect(statuses).toContain(503);
    expect(answers.filter((answer) => answer.status === 503).every((answer) => Number(answer.retryAfter) >= 1)).toBe(true);
    // Every 200 committed its product; no 503 left one behind.
    expect(await productCount(db)).toBe(statuses.filter((status) => status === 200).length);
  }, 120_000);
});

describe('SQLite: a write lock held by another connection', () => {
  const LOCK_MS = 300;
  let db: TestDatabase;
  let server: ServeProcess;
  let headers: Record<string, string>;
  let adminKey: string;
  beforeAll(async () => {
    db = await freshDatabase('sqlite');
    const token = await createShopToken(db.database, 'busy');
    headers = { 'access-token': token, 'content-type': 'application/json' };
    adminKey = (await new AdminAuth(new KyselyAdminKeyRepository(db.database.db), systemClock).createKey('bounds')).key;
    server = await startServe(cliEnv({ dataDir: db.dataDir, extra: { PRODIMG_DB_LOCK_TIMEOUT_MS: String(LOCK_MS) } }));
  });
  afterAll(async () => {
    server?.kill();
    await server?.exited;
    await db?.drop().catch(() => {});
  });

  it('answers a create 503 with Retry-After after PRODIMG_DB_LOCK_TIMEOUT_MS, not after SQLite\'s old 5 s, nor never', async () => {
    const holder = new SQLite(join(db.dataDir, 'prodimg.sqlite'));
    let answer: Answer;
    try {
      holder.exec('BEGIN IMMEDIATE');
      answer = await send(`${server.base}/openapi/2022-01/products`, { method: 'POST', headers, body: createBody('Busy') });
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(answer.status).toBe(503);
    expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    // The old busy_timeout was 5 s: well past this.
    expect(answer.ms).toBeLessThan(LOCK_MS + 3500);
    expect((await send(`${server.base}/openapi/2022-01/products`, { method: 'POST', headers, body: createBody('Free') })).status).toBe(200);
  }, 60_000);

  it("answers the admin API's writes the same way, in its own shape", async () => {
    const signIn = () =>
      fetch(`${server.base}/__prodimg/admin/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: adminKey }), signal: AbortSignal.timeout(HANG_MS) });
    const holder = new SQLite(join(db.dataDir, 'prodimg.sqlite'));
    let res: Response;
    let body: unknown;
    try {
      holder.exec('BEGIN IMMEDIATE');
      // Signing in opens a session: a row written.
      res = await signIn();
      body = await res.json();
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(body).toEqual({ errors: ['Service Unavailable: the database is not answering, retry shortly'] });
    expect((await signIn()).status).toBe(200);
  }, 60_000);
});
