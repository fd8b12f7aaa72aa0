import { type DomainError, insufficientStorage, storageUnavailable } from '../domain/errors.js';

const WORDS = 'retry once it takes writes again';

/**
 * A storage failure as the error it is, or null for any other failure; the one rule every error
 * handler (the API's, the admin API's) and every write that wraps its failures asks. Full (ENOSPC, a
 * quota; SQLite's SQLITE_FULL, PostgreSQL's 53100) is InsufficientStorage; refusing writes (a
 * read-only mount, EROFS; permissions, EACCES and EPERM; SQLite's read-only database file) is
 * StorageUnavailable, a 503 the client retries. Both name the storage but never its path, which is
 * the server's business (it is logged). A blob store that is not a local disk (a bucket) throws
 * StorageUnavailable itself, so this knows no store's details beyond Node's and the databases' codes.
 */
export function storageFailure(error: unknown): DomainError | null {
  if (!(error instanceof Error)) return null;
  const code = String((error as { code?: unknown }).code ?? '');
  if (code === 'ENOSPC' || code === 'EDQUOT') return insufficientStorage('no space is left on the disk that holds the images; retry once space is freed');
  if (code === 'SQLITE_FULL' || code === '53100' || /database or disk is full|could not extend file/i.test(error.message)) {
    return insufficientStorage('no space is left for the database; retry once space is freed');
  }
  if (code === 'EROFS') return storageUnavailable(`the disk that holds the images is read-only; ${WORDS}`);
  if (code === 'EACCES' || code === 'EPERM') return storageUnavailable(`the server may not write to the images folder of its data directory (permission denied); ${WORDS}`);
  if (code.startsWith('SQLITE_READONLY') || /attempt to write a readonly database/i.test(error.message)) return storageUnavailable(`the database is read-only; ${WORDS}`);
  return null;
}
