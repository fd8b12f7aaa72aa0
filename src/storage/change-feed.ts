import type { Database } from './database.js';
import type { ChangeFeed, FeedTiming } from './database-dialect.js';
import type { ReadCache } from './read-cache.js';

export type { ChangeFeed, FeedTiming } from './database-dialect.js';

/**
 * Keeps `cache` true to writes made by other processes, and switches it on only while that is
 * assured; each dialect's feed says how (sqlite/sqlite-change-feed.ts, postgres/postgres-change-feed.ts).
 */
export function startChangeFeed(
  database: Database,
  cache: ReadCache,
  onError: (err: unknown) => void,
  // Quiet for three heartbeats: one late heartbeat of a live peer never turns the cache on.
  timing: FeedTiming = { heartbeatMs: 500, quietMs: 1500 },
): Promise<ChangeFeed> {
  return database.startChangeFeed(cache, onError, timing);
}
