import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { storageFailure } from '../../src/server/storage-failure.js';

const failure = (code: string, message = `${code}: failed`) => Object.assign(new Error(message), { code });

/** A real SQLite error: a write through a connection opened read-only. */
function sqliteReadOnlyError(): unknown {
  const dir = mkdtempSync(join(tmpdir(), 'prodimg-readonly-'));
  try {
    new SQLite(join(dir, 'db.sqlite')).exec('create table t (x)').close();
    const readOnly = new SQLite(join(dir, 'db.sqlite'), { readonly: true });
    try {
      readOnly.exec('insert into t values (1)');
    } catch (error) {
      return error;
    } finally {
      readOnly.close();
    }
    throw new Error('a read-only connection took a write');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('storageFailure: the one rule for storage that is full or refuses writes', () => {
  const full = (where: string) => ({ code: 'InsufficientStorage', messages: [`no space is left ${where}; retry once space is freed`] });
  const unavailable = (why: string) => ({ code: 'StorageUnavailable', messages: [`${why}; retry once it takes writes again`] });
  it.each([
    ['ENOSPC', failure('ENOSPC'), full('on the disk that holds the images')],
    ['EDQUOT (a quota)', failure('EDQUOT'), full('on the disk that holds the images')],
    ['SQLITE_FULL', failure('SQLITE_FULL'), full('for the database')],
    ["PostgreSQL's 53100", failure('53100'), full('for the database')],
    ['EROFS (a read-only mount)', failure('EROFS'), unavailable('the disk that holds the images is read-only')],
    ['EACCES', failure('EACCES'), unavailable('the server may not write to the images folder of its data directory (permission denied)')],
    ['EPERM', failure('EPERM'), unavailable('the server may not write to the images folder of its data directory (permission denied)')],
    ["SQLite's read-only database file (a real SqliteError)", sqliteReadOnlyError(), unavailable('the database is read-only')],
    ['SQLITE_READONLY_DBMOVED', failure('SQLITE_READONLY_DBMOVED'), unavailable('the database is read-only')],
  ])('%s', (_name, error, expected) => {
    expect({ ...storageFailure(error) }).toMatchObject(expected);
  });

  it.each([
    ['ENOENT', failure('ENOENT')],
    ['a database unreachable', failure('ECONNREFUSED')],
    ['an error without a code', new Error('boom')],
    ['not an error', 'EROFS'],
  ])('%s is not a storage failure: null', (_name, error) => {
    expect(storageFailure(error)).toBeNull();
  });
});
