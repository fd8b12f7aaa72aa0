import { afterEach, describe, expect, it } from 'vitest';
import { ClientGone, watchClient } from '../../src/storage/client-gone.js';
import { AcquireTimeout } from '../../src/storage/database-bounds.js';
import { type Database, openDatabase } from '../../src/storage/database.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { within } from '../support/waiting.js';

const NOW = '2024-01-01T00:00:00Z';
const SHOP = '00000000-0000-4000-8000-000000000001';

async function shopCount(database: Database): Promise<number> {
  const row = await database.db.selectFrom('shops').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

const insertShop = (database: Database) =>
  database.db.transaction().execute((trx) => trx.insertInto('shops').values({ id: SHOP, subdomain: 'gone', name: 'Gone', active: 1, created_at: NOW, updated_at: NOW }).execute());

describe.each(DIALECTS)('a transaction whose client has gone (%s)', (dialect) => {
  let db: TestDatabase;
  afterEach(async () => {
    await db?.drop();
  });

  it('does not begin once the client is gone', async () => {
    db = await freshDatabase(dialect);
    await expect(watchClient(() => true, () => insertShop(db.database))).rejects.toBeInstanceOf(ClientGone);
    expect(await shopCount(db.database)).toBe(0);
  });

  it('rolls back, not commits, when the client goes while it runs', async () => {
    db = await freshDatabase(dialect);
    let gone = false;
    const write = watchClient(
      () => gone,
      () =>
        db.database.db.transaction().execute(async (trx) => {
          await trx.insertInto('shops').values({ id: SHOP, subdomain: 'gone', name: 'Gone', active: 1, created_at: NOW, updated_at: NOW }).execute();
          gone = true;
        }),
    );
    await expect(write).rejects.toBeInstanceOf(ClientGone);
    expect(await shopCount(db.database)).toBe(0);
  });

  it('commits as before for a client still there, and outside any request', async () => {
    db = await freshDatabase(dialect);
    await watchClient(() => false, () => insertShop(db.database));
    await db.database.db.transaction().execute((trx) => trx.insertInto('shops').values({ id: SHOP.replace(/1$/, '2'), subdomain: 'other', name: 'Other', active: 1, created_at: NOW, updated_at: NOW }).execute());
    expect(await shopCount(db.database)).toBe(2);
  });
});

describe('SQLite: the wait for its one connection', () => {
  let db: TestDatabase;
  afterEach(async () => {
    await db?.drop();
  });

  it('ends with AcquireTimeout after PRODIMG_DB_ACQUIRE_TIMEOUT_MS while another transaction holds it, and the connection still serves after', async () => {
    db = await freshDatabase('sqlite');
    const bounded = await openDatabase({ dataDir: db.dataDir, bounds: { acquireTimeoutMs: 200, lockTimeoutMs: 1000, statementTimeoutMs: 1000 } });
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let holding!: () => void;
      const started = new Promise<void>((resolve) => (holding = resolve));
      const holder = bounded.db.transaction().execute(async () => {
        holding();
        await held;
      });
      await started;
      const begun = performance.now();
      await expect(within(shopCount(bounded), 'a query waiting for the held connection', 10_000)).rejects.toBeInstanceOf(AcquireTimeout);
      expect(performance.now() - begun).toBeGreaterThanOrEqual(190);
      release();
      await holder;
      // The connection the timed-out wait got late was handed back, not kept.
      expect(await within(shopCount(bounded), 'a query after the holder finished', 10_000)).toBe(0);
    } finally {
      await bounded.close();
    }
  });
});
