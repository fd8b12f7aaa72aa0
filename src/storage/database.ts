import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { DialectName } from './dialect-name.js';
import { migrateToLatest } from './migrate.js';
import type { Schema } from './schema.js';

/** The driver under Kysely, for the few hot paths and bulk loads where its overhead matters. */
export type RawConnection =
  | {
      dialect: 'sqlite';
      /** The connection Kysely writes through; inside a transaction it sees uncommitted rows. */
      sqlite: SQLite.Database;
      /**
       * A second connection for hot reads. In WAL mode it reads the last committed snapshot, so a
       * reader never sees the half-shifted positions of a transaction still running on the writer.
       */
      reader(): SQLite.Database;
    }
  | { dialect: 'postgres'; pool: pg.Pool };

export interface Database {
  db: Kysely<Schema>;
  dialect: DialectName;
  raw: RawConnection;
  /** Where the data lives, for messages: a file path or the URL without its password. */
  location: string;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; when absent the embedded SQLite file under dataDir is used. */
  databaseUrl?: string;
  dataDir: string;
  /** Largest PostgreSQL pool per process. */
  poolSize?: number;
}

export const SQLITE_FILE = 'prodimg.sqlite';

/** Opens the configured database and runs pending migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const database = options.databaseUrl ? openPostgres(options.databaseUrl, options.poolSize ?? 10) : openSqlite(options.dataDir);
  try {
    await migrateToLatest(database.db, database.dialect);
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}

function openSqlite(dataDir: string): Database {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, SQLITE_FILE);
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL in WAL mode never corrupts and never loses a committed transaction on a process crash;
  // only an OS crash or power cut can roll back the last few commits.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
  let reader: SQLite.Database | null = null;
  const openReader = () => {
    if (reader) return reader;
    reader = new SQLite(file, { readonly: true });
    reader.pragma('busy_timeout = 5000');
    return reader;
  };
  const close = async () => {
    reader?.close();
    await db.destroy();
  };
  return { db, dialect: 'sqlite', raw: { dialect: 'sqlite', sqlite, reader: openReader }, location: file, close };
}

function openPostgres(url: string, max: number): Database {
  const pool = new pg.Pool({ connectionString: url, max });
  // A client losing its server (a restart) must not crash the process: idle ones are reported on the
  // pool, checked-out ones (a Kysely transaction) on themselves, and their query fails instead. The
  // pool then replaces them.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', raw: { dialect: 'postgres', pool }, location: redact(url), close: () => db.destroy() };
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres';
  }
}
