import type { DialectConnection } from './database-dialect.js';
import type { DialectName } from './dialect-name.js';
import { migrateToLatest } from './migrate.js';

/** An open, migrated database: its Kysely instance and its dialect's factories, named for messages. */
export interface Database extends DialectConnection {
  dialect: DialectName;
}

export interface DatabaseOptions {
  /** postgres:// URL; when absent the embedded SQLite file under dataDir is used. */
  databaseUrl?: string;
  dataDir: string;
  /** Largest PostgreSQL pool per process. */
  poolSize?: number;
}

/** Opens the configured database and runs pending migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  // Only the driver in use is loaded: a CLI call on SQLite does not pay for pg's start-up, nor the reverse.
  const dialect = options.databaseUrl
    ? (await import('./postgres/postgres-dialect.js')).postgresDialect(options.databaseUrl, options.poolSize ?? 10)
    : (await import('./sqlite/sqlite-dialect.js')).sqliteDialect(options.dataDir);
  const database: Database = { dialect: dialect.name, ...dialect.open() };
  try {
    await migrateToLatest(database.db, database.dialect);
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}
