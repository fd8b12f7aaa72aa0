import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { clientCheckedDialect } from '../client-gone.js';
import type { DatabaseBounds } from '../database-bounds.js';
import type { DatabaseDialect } from '../database-dialect.js';
import { redactDatabaseUrl } from '../redact-database-url.js';
import type { Schema } from '../schema.js';
import { createPostgresBulkWriter } from './postgres-bulk-writer.js';
import { notifyPostgresChange, startPostgresChangeFeed } from './postgres-change-feed.js';
import { createPostgresHotReads } from './postgres-hot-reads.js';

/**
 * A PostgreSQL server, which several prodimg servers may share; `poolSize` connections at most per
 * process. With `bounds` (the server's), waiting for a pooled connection, for a lock and for a
 * statement each end in an error; the change feed's LISTEN connection takes the same settings, which
 * bound its statements, not its idle wait for notifications.
 */
export function postgresDialect(url: string, poolSize: number, bounds?: DatabaseBounds): DatabaseDialect {
  return {
    name: 'postgres',
    open() {
      const pool = new pg.Pool({
        connectionString: url,
        max: poolSize,
        ...(bounds
          ? { connectionTimeoutMillis: bounds.acquireTimeoutMs, lock_timeout: bounds.lockTimeoutMs, statement_timeout: bounds.statementTimeoutMs }
          : {}),
      });
      // A client losing its server (a restart) must not crash the process: idle ones are reported on
      // the pool, checked-out ones (a Kysely transaction) on themselves, and their query fails
      // instead. The pool then replaces them.
      pool.on('error', () => {});
      pool.on('connect', (client) => client.on('error', () => {}));
      const db = new Kysely<Schema>({ dialect: clientCheckedDialect(new PostgresDialect({ pool })) });
      return {
        db,
        location: redactDatabaseUrl(url),
        close: () => db.destroy(),
        createHotReads: () => createPostgresHotReads(pool),
        notifyChange: notifyPostgresChange,
        startChangeFeed: (cache, onError, timing) => startPostgresChangeFeed(pool, cache, onError, timing),
        createBulkWriter: () => createPostgresBulkWriter(pool),
      };
    },
  };
}

