import { databaseUnavailable, type DomainError } from '../domain/errors.js';
import { AcquireTimeout } from '../storage/database-bounds.js';

// Node's connection failures, and SQLite's write lock held past its busy_timeout.
const NODE_AND_SQLITE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'SQLITE_BUSY']);

/**
 * PostgreSQL's SQLSTATEs that say "not now" rather than "a bug": 08 connection exceptions; 53
 * insufficient resources (too many connections, out of memory), except 53100, a full disk, which
 * storage-failure.ts answers 507; 57P an administrator shutdown, a crash, a server starting up;
 * 57014 a statement cancelled (statement_timeout); 55P03 lock_timeout.
 */
function transientSqlState(code: string): boolean {
  if (code.startsWith('08') || code.startsWith('57P')) return true;
  if (code.startsWith('53')) return code !== '53100';
  return code === '57014' || code === '55P03';
}

/**
 * A database that is restarting, out of reach, or not answering within the server's bounds
 * (storage/database-bounds.ts), as the DatabaseUnavailable it is (503, Retry-After): the client
 * should retry, not report a bug. Null for any other failure. The one rule the API's and the admin
 * API's error handlers share.
 */
export function databaseUnreachable(error: unknown): DomainError | null {
  if (!(error instanceof Error)) return null;
  const code = String((error as { code?: unknown }).code ?? '');
  const unreachable =
    NODE_AND_SQLITE.has(code) ||
    (/^[0-9A-Z]{5}$/.test(code) && transientSqlState(code)) ||
    error instanceof AcquireTimeout ||
    // pg-pool's wait for a connection past connectionTimeoutMillis, and pg's lost connections: no code.
    /timeout exceeded when trying to connect|Connection terminated|connection timeout|not queryable/i.test(error.message);
  return unreachable ? databaseUnavailable() : null;
}
