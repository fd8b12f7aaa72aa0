import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseDialect } from '../database-dialect.js';
import { redactDatabaseUrl } from '../redact-database-url.js';
import type { Schema } from '../schema.js';
import { createPostgresBulkWriter } from './postgres-bulk-writer.js';
import { notifyPostgresChange, startPostgresChangeFeed } from './postgres-change-feed.js';
import { createPostgresHotReads } from './postgres-hot-reads.js';

/** A PostgreSQL server, which several prodimg servers may share; `poolSize` connections at most per process. */
export function postgresDialect(url: string, poolSize: number): DatabaseDialect {
  return {
    name: 'postgres',
    open() {
      const pool = new pg.Pool({ connectionString: url, max: poolSize });
      // A client losing its server (a restart) must not crash the process: idle ones are reported on
      // the pool, checked-out ones (a Kysely transaction) on themselves, and their query fails
      // instead. The pool then replaces them.
      pool.on('error', () => {});
      pool.on('connect', (client) => client.on('error', () => {}));
      const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
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

