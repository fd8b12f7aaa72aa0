import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Image } from '../../src/domain/entities.js';
import { startChangeFeed } from '../../src/storage/change-feed.js';
import { type Database, openDatabase } from '../../src/storage/database.js';
import { ReadCache } from '../../src/storage/read-cache.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { until } from '../support/waiting.js';


const fail = (err: unknown) => {
  throw err;
};

describe.each(DIALECTS)('the change feed on %s', (dialect) => {
  let db: TestDatabase;
  let other: Database;
  beforeAll(async () => {
    db = await freshDatabase(dialect);
    other = await openDatabase({ dataDir: db.dataDir, databaseUrl: db.databaseUrl });
  });
  afterAll(async () => {
    await other.close();
    await db.drop();
  });

  it(
    dialect === 'sqlite'
      ? 'keeps the cache on with a second server, checking for its commits before every read'
      : 'keeps the cache on for a lone server and off as soon as a second server shares the database',
    async () => {
      const first = new CountedCache();
      const fast = { heartbeatMs: 50, quietMs: 200 };
      const feed = await startChangeFeed(db.database, first, fail, fast);
      await until(() => first.enabled, 'the cache of a lone server on');
      expect(first.enabled).toBe(true);
      const second = new ReadCache();
      const feed2 = await startChangeFeed(other, second, fail, fast);
      if (dialect === 'postgres') {
        await until(() => !first.enabled, 'the cache off once a second server is there');
        // Heartbeats enough for a quiet period to pass, had the two not kept hearing each other.
        const seen = first.decisions;
        await until(() => first.decisions > seen + fast.quietMs / fast.heartbeatMs, 'heartbeats for a quiet period');
      }
      expect([first.enabled, second.enabled]).toEqual(dialect === 'sqlite' ? [true, true] : [false, false]);
      await feed2.close();
      if (dialect === 'postgres') {
        // The other server is gone: after a quiet period the lone server caches again.
        await until(() => first.enabled, 'the cache on again once alone');
        expect(first.enabled).toBe(true);
      }
      await feed.close();
      expect(first.enabled).toBe(false);
    },
  );

  it("caughtUp() resolves once the cache has dropped what another connection's commit changed, without waiting for a poll", async () => {
    const cache = new ReadCache();
    const feed = await startChangeFeed(db.database, cache, fail, { heartbeatMs: 20, quietMs: 60 });
    try {
      await until(() => cache.enabled, 'the cache of a lone server on');
      const image = { id: 'cached' } as Image;
      cache.putImage(cache.generation, 'shop', 'product', image);
      expect(cache.image('shop', 'product', 'cached')).toBe(image);
      // Another server's write: a commit (SQLite's data_version moves) that says which product changed (PostgreSQL).
      await other.db.transaction().execute(async (trx) => {
        await sql`CREATE TABLE IF NOT EXISTS change_feed_probe (n INTEGER)`.execute(trx);
        await sql`INSERT INTO change_feed_probe VALUES (1)`.execute(trx);
        await other.notifyChange(trx, 'product');
      });
      await feed.caughtUp();
      expect(cache.image('shop', 'product', 'cached')).toBeUndefined();
    } finally {
      await feed.close();
    }
  });
});

/** Counts the change feed's decisions, so a test can wait for the next heartbeat's. */
class CountedCache extends ReadCache {
  decisions = 0;
  override setEnabled(on: boolean): void {
    super.setEnabled(on);
    this.decisions++;
  }
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('the PostgreSQL change feed under a wall clock jumping ahead (needs TEST_DATABASE_URL)', () => {
  it("keeps the cache off for the whole quiet period after word from another server (issue 28: measured on the monotonic clock)", async () => {
    const db = await freshDatabase('postgres');
    const other = await openDatabase({ dataDir: db.dataDir, databaseUrl: db.databaseUrl });
    const fail = (err: unknown) => {
      throw err;
    };
    const cache = new CountedCache();
    // The peer says hello once, then stays silent; this server's quiet period is far longer than the test.
    const peer = await startChangeFeed(other, new ReadCache(), fail, { heartbeatMs: 600_000, quietMs: 600_000 });
    const feed = await startChangeFeed(db.database, cache, fail, { heartbeatMs: 20, quietMs: 60_000 });
    try {
      await until(() => cache.decisions >= 2, 'two heartbeats');
      expect(cache.enabled).toBe(false);
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 10 * 60_000 });
      const seen = cache.decisions;
      await until(() => cache.decisions >= seen + 2, 'two heartbeats after the jump');
      expect(cache.decisions, 'two heartbeats after the jump').toBeGreaterThanOrEqual(seen + 2);
      expect(cache.enabled, 'still within the quiet period').toBe(false);
    } finally {
      vi.useRealTimers();
      await feed.close();
      await peer.close();
      await other.close();
      await db.drop();
    }
  });
});
