import { type RawBuilder, sql } from 'kysely';
import type { DialectName } from './dialect-name.js';

/**
 * "Now, plus `offsetMs`" as SQL, for the times several server processes compare (webhook leases and
 * next attempts): read from the database's clock inside the statement that writes or compares them,
 * never from a server's, so a server whose clock runs ahead cannot take a lease another still holds.
 * The value is ISO 8601 UTC with milliseconds, fixed length (`2026-12-07T23:07:25.123Z`, as
 * `Date.toISOString` writes it), so text order is time order on both databases.
 */
export type DatabaseClock = (offsetMs?: number) => RawBuilder<string>;

/**
 * PostgreSQL: `statement_timestamp()`, one value for the whole statement (its CTEs included), taken
 * when the statement starts: after a claim's wait for the advisory lock, where `now()` would be the
 * transaction's start. SQLite runs on one machine, whose clock every process shares: `'now'`, also
 * one value per statement.
 */
export function databaseClock(dialect: DialectName): DatabaseClock {
  if (dialect === 'postgres') {
    return (offsetMs = 0) =>
      sql<string>`to_char((statement_timestamp() + ${offsetMs}::double precision * interval '1 millisecond') at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  }
  return (offsetMs = 0) => sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ${`${offsetMs / 1000} seconds`})`;
}
