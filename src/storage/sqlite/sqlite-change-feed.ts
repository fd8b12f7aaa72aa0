import type SQLite from 'better-sqlite3';
import type { ChangeFeed } from '../database-dialect.js';
import type { ReadCache } from '../read-cache.js';
import { PRESENCE_TIMING, startPresence } from './presence.js';

/**
 * `PRAGMA data_version` on the read connection changes whenever another connection has committed,
 * and a change empties the cache. It is checked before every cached read, except while this server
 * knows it is the only one on the database (presence.ts, on the side file `presenceFile`): then
 * every 200 ms.
 */
export function startSqliteChangeFeed(reader: SQLite.Database, presenceFile: string, cache: ReadCache, onError: (err: unknown) => void, busyMs: number): ChangeFeed {
  const version = reader.prepare('PRAGMA data_version').pluck();
  let seen = version.get();
  const sync = () => {
    const current = version.get();
    if (current !== seen) {
      seen = current;
      cache.clear();
    }
  };
  const presence = startPresence(presenceFile, sync, onError, PRESENCE_TIMING, busyMs);
  cache.beforeRead = () => {
    if (!presence.alone()) sync();
  };
  cache.beforeWrite = () => presence.settle();
  cache.setEnabled(true);
  return {
    caughtUp: async () => sync(),
    close: async () => {
      cache.setEnabled(false);
      presence.close();
    },
  };
}
