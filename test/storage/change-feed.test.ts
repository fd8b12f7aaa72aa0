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
      const feed = await startChangeFeed(db.database, first, (err) => {
        throw err;
      });
      expect(first.enabled).toBe(true);
      const second = new ReadCache();
      const feed2 = await startChangeFeed(other, second, (err) => {
        throw err;
      });
      await until(() => !first.enabled);
      expect([first.enabled, second.enabled]).toEqual(dialect === 'sqlite' ? [true, true] : [false, false]);
      await feed2.close();
      await feed.close();
      expect(first.enabled).toBe(false);
    },
  );
});
