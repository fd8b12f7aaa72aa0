import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Schema } from '../storage/schema.js';

/**
 * A SQLite file outside the server's use (a backup's copy, a restore's staged file) opened for
 * reading its rows with the repositories' own queries. No migration runs on it.
 */
export function openStagedSqlite(file: string): { sqlite: SQLite.Database; db: Kysely<Schema>; close: () => Promise<void> } {
  const sqlite = new SQLite(file, { fileMustExist: true });
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { sqlite, db, close: () => db.destroy() };
}
