/**
 * How long the server waits on its database before giving up (docs/reliability.md): past a bound,
 * the request is answered 503 with Retry-After instead of hanging. Only the server's connections
 * get them; commands (backup, import, migrations) wait as long as their work needs.
 */
export interface DatabaseBounds {
  /** For a connection: from PostgreSQL's pool, or SQLite's one connection while another request holds it. */
  readonly acquireTimeoutMs: number;
  /** For a lock another session holds: PostgreSQL's `lock_timeout`, SQLite's `busy_timeout`. */
  readonly lockTimeoutMs: number;
  /** For one statement: PostgreSQL's `statement_timeout` (SQLite runs statements in the process). */
  readonly statementTimeoutMs: number;
}

/** SQLite's wait for another connection's write lock when no bounds are given (commands). */
export const UNBOUNDED_SQLITE_BUSY_MS = 5000;

/** Thrown when SQLite's one connection stays held by other work past the acquire bound. */
export class AcquireTimeout extends Error {
  override name = 'AcquireTimeout';
  constructor(ms: number) {
    super(`timeout exceeded when waiting ${ms} ms for the database connection`);
  }
}
