import { type DomainError, insufficientStorage } from '../domain/errors.js';

/**
 * A full disk (ENOSPC, a quota) or a full database (SQLite's SQLITE_FULL, PostgreSQL's 53100) as the
 * InsufficientStorage it is, saying what ran out; null for any other failure. The one rule every
 * error handler (the API's, the admin API's) and every write that wraps its failures asks.
 */
export function exhaustedStorage(error: unknown): DomainError | null {
  if (!(error instanceof Error)) return null;
  const code = String((error as { code?: unknown }).code ?? '');
  if (code === 'ENOSPC' || code === 'EDQUOT') return insufficientStorage('no space is left on the disk that holds the images; retry once space is freed');
  if (code === 'SQLITE_FULL' || code === '53100' || /database or disk is full|could not extend file/i.test(error.message)) {
    return insufficientStorage('no space is left for the database; retry once space is freed');
  }
  return null;
}
