import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChangeFeed } from '../../src/storage/change-feed.js';
import { type Database, openDatabase } from '../../src/storage/database.js';
import { ReadCache } from '../../src/storage/read-cache.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';

const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
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
      const first = new ReadCache();
      const fail = (err: unknown) => {
        throw err;
      };
      const fast = { heartbeatMs: 50, quietMs: 200 };
      const feed = await startChangeFeed(db.database, first, fail, fast);
      await until(() => first.enabled);
      expect(first.enabled).toBe(true);
      const second = new ReadCache();
      const feed2 = await startChangeFeed(other, second, fail, fast);
      await until(() => !first.enabled);
      // Long enough for a quiet period to pass, had the two not kept hearing each other.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect([first.enabled, second.enabled]).toEqual(dialect === 'sqlite' ? [true, true] : [false, false]);
      await feed2.close();
      if (dialect === 'postgres') {
        // The other server is gone: after a quiet period the lone server caches again.
        await until(() => first.enabled);
        expect(first.enabled).toBe(true);
      }
      await feed.close();
      expect(first.enabled).toBe(false);
    },
  );
});
