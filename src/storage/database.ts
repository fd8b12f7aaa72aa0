import type { DatabaseBounds } from './database-bounds.js';
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
  /** The server's bounds on waiting for the database; absent (commands): no bound but SQLite's own busy wait. */
  bounds?: DatabaseBounds;
}

/**
 * Opens the configured database and runs pending migrations. With bounds, migrations run on
 * connections without them (a migration may rightly take minutes), then the bounded ones open.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const migrating = await open(options, undefined);
  try {
    await migrateToLatest(migrating.db, migrating.dialect);
  } catch (err) {
    await migrating.close();
    throw err;
  }
  if (!options.bounds) return migrating;
  await migrating.close();
  return open(options, options.bounds);
}

async function open(options: DatabaseOptions, bounds: DatabaseBounds | undefined): Promise<Database> {
  // Only the driver in use is loaded: a CLI call on SQLite does not pay for pg's start-up, nor the reverse.
  const dialect = options.databaseUrl
    ? (await import('./postgres/postgres-dialect.js')).postgresDialect(options.databaseUrl, options.poolSize ?? 10, bounds)
    : (await import('./sqlite/sqlite-dialect.js')).sqliteDialect(options.dataDir, bounds);
  return { dialect: dialect.name, ...dialect.open() };
}
