import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { type Driver, Kysely, SqliteDialect } from 'kysely';
import { clientCheckedDialect } from '../client-gone.js';
import { AcquireTimeout, type DatabaseBounds, UNBOUNDED_SQLITE_BUSY_MS } from '../database-bounds.js';
import type { DatabaseDialect } from '../database-dialect.js';
import { makeDirectory } from '../make-directory.js';
import type { Schema } from '../schema.js';
import { createSqliteBulkWriter } from './sqlite-bulk-writer.js';
import { startSqliteChangeFeed } from './sqlite-change-feed.js';
import { createSqliteHotReads } from './sqlite-hot-reads.js';

const SQLITE_FILE = 'prodimg.sqlite';

/**
 * The embedded database: one file under dataDir, in WAL mode. With `bounds` (the server's), another
 * connection's write lock is waited for `lockTimeoutMs` (busy_timeout; the wait blocks the process,
 * as better-sqlite3 is synchronous), and Kysely's one connection `acquireTimeoutMs`.
 */
export function sqliteDialect(dataDir: string, bounds?: DatabaseBounds): DatabaseDialect {
  const busyMs = bounds?.lockTimeoutMs ?? UNBOUNDED_SQLITE_BUSY_MS;
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
      sqlite.pragma(`busy_timeout = ${busyMs}`);
      sqlite.pragma('foreign_keys = ON');
      // Kysely writes through `sqlite`; inside a transaction that connection sees uncommitted rows.
      const db = new Kysely<Schema>({ dialect: clientCheckedDialect(new RollbackOnlyOpenDialect(sqlite, bounds?.acquireTimeoutMs)) });
      // A second connection for hot reads and the change feed. In WAL mode it reads the last committed
      // snapshot, so a reader never sees the half-shifted positions of a transaction still running.
      let reader: SQLite.Database | null = null;
      const openReader = () => {
        if (reader) return reader;
        reader = new SQLite(file, { readonly: true });
        reader.pragma(`busy_timeout = ${busyMs}`);
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
        startChangeFeed: async (cache, onError) => startSqliteChangeFeed(openReader(), join(dataDir, 'servers.sqlite'), cache, onError, busyMs),
        createBulkWriter: () => createSqliteBulkWriter(sqlite),
      };
    },
  };
}

/**
 * SQLite rolls a transaction back by itself on some failures (SQLITE_FULL: the disk is full, among
 * them); Kysely's own ROLLBACK then fails with "cannot rollback - no transaction is active", and that
 * error replaces the one that says what happened. Rolling back only an open transaction keeps it.
 * With `acquireMs`, the wait for Kysely's one connection (held by another request's transaction) is
 * bounded too.
 */
class RollbackOnlyOpenDialect extends SqliteDialect {
  constructor(
    private readonly sqlite: SQLite.Database,
    private readonly acquireMs: number | undefined,
  ) {
    super({ database: sqlite });
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (connection) => {
      if (this.sqlite.inTransaction) await rollback(connection);
    };
    if (this.acquireMs !== undefined) driver.acquireConnection = boundedAcquire(driver, this.acquireMs);
    return driver;
  }
}

/** The driver's acquire, failing after `ms`; a connection that comes after that is handed straight back. */
function boundedAcquire(driver: Driver, ms: number): Driver['acquireConnection'] {
  const acquire = driver.acquireConnection.bind(driver);
  return () => {
    const pending = acquire();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        void pending.then((connection) => driver.releaseConnection(connection));
        reject(new AcquireTimeout(ms));
      }, ms);
    });
    return Promise.race([pending, late]).finally(() => clearTimeout(timer));
  };
}
