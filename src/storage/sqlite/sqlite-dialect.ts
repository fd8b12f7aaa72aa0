import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { type Driver, Kysely, SqliteDialect } from 'kysely';
import type { DatabaseDialect } from '../database-dialect.js';
import { makeDirectory } from '../make-directory.js';
import type { Schema } from '../schema.js';
import { createSqliteBulkWriter } from './sqlite-bulk-writer.js';
import { startSqliteChangeFeed } from './sqlite-change-feed.js';
import { createSqliteHotReads } from './sqlite-hot-reads.js';

const SQLITE_FILE = 'prodimg.sqlite';

/** The embedded database: one file under dataDir, in WAL mode. */
export function sqliteDialect(dataDir: string): DatabaseDialect {
  return {
    name: 'sqlite',
    open() {
      makeDirectory(dataDir);
      const file = join(dataDir, SQLITE_FILE);
      const sqlite = new SQLite(file);
      sqlite.pragma('journal_mode = WAL');
      // NORMAL in WAL mode never corrupts and never loses a committed transaction on a process crash;
      // only an OS crash or power cut can roll back the last few commits.
      sqlite.pragma('synchronous = NORMAL');
      sqlite.pragma('busy_timeout = 5000');
      sqlite.pragma('foreign_keys = ON');
      // Kysely writes through `sqlite`; inside a transaction that connection sees uncommitted rows.
      const db = new Kysely<Schema>({ dialect: new RollbackOnlyOpenDialect(sqlite) });
      // A second connection for hot reads and the change feed. In WAL mode it reads the last committed
      // snapshot, so a reader never sees the half-shifted positions of a transaction still running.
      let reader: SQLite.Database | null = null;
      const openReader = () => {
        if (reader) return reader;
        reader = new SQLite(file, { readonly: true });
        reader.pragma('busy_timeout = 5000');
        return reader;
      };
      return {
        db,
        location: file,
        async close() {
          reader?.close();
          await db.destroy();
        },
        createHotReads: () => createSqliteHotReads(openReader),
        // Other processes learn of commits from the file itself (data_version), not from a message.
        notifyChange: async () => {},
        startChangeFeed: async (cache, onError) => startSqliteChangeFeed(openReader(), join(dataDir, 'servers.sqlite'), cache, onError),
        createBulkWriter: () => createSqliteBulkWriter(sqlite),
      };
    },
  };
}

/**
 * SQLite rolls a transaction back by itself on some failures (SQLITE_FULL: the disk is full, among
 * them); Kysely's own ROLLBACK then fails with "cannot rollback - no transaction is active", and that
 * error replaces the one that says what happened. Rolling back only an open transaction keeps it.
 */
class RollbackOnlyOpenDialect extends SqliteDialect {
  constructor(private readonly sqlite: SQLite.Database) {
    super({ database: sqlite });
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (connection) => {
      if (this.sqlite.inTransaction) await rollback(connection);
    };
    return driver;
  }
}
