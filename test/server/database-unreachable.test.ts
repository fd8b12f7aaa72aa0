import { describe, expect, it } from 'vitest';
import { databaseUnreachable } from '../../src/server/database-unreachable.js';
import { AcquireTimeout } from '../../src/storage/database-bounds.js';

const failure = (message: string, code?: string) => Object.assign(new Error(message), code === undefined ? {} : { code });

describe('databaseUnreachable: which database failures are a 503 to retry', () => {
  it.each([
    ['too many connections for role (53300)', failure('too many connections for role "x"', '53300'), true],
    ['too many connections (53300) as the server says it', failure('sorry, too many clients already', '53300'), true],
    ['out of memory (53200)', failure('out of memory', '53200'), true],
    ['a full disk (53100) is the 507 of storage-failure.ts', failure('could not extend file', '53100'), false],
    ['statement_timeout (57014)', failure('canceling statement due to statement timeout', '57014'), true],
    ['lock_timeout (55P03)', failure('canceling statement due to lock timeout', '55P03'), true],
    ['an administrator shutdown (57P01)', failure('terminating connection due to administrator command', '57P01'), true],
    ['a crash of another backend (57P02)', failure('terminating connection because of crash of another server process', '57P02'), true],
    ['the server starting up (57P03)', failure('the database system is starting up', '57P03'), true],
    ['a database dropped under us (57P04)', failure('database dropped', '57P04'), true],
    ['a connection failure (08006)', failure('connection failure', '08006'), true],
    ["pg-pool's acquire timeout, which has no code", failure('timeout exceeded when trying to connect'), true],
    ["SQLite's one connection held past the acquire bound", new AcquireTimeout(200), true],
    ["SQLite's write lock held past busy_timeout", failure('database is locked', 'SQLITE_BUSY'), true],
    ['a refused TCP connection', failure('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), true],
    ['a unique violation (23505) is a bug or a conflict, not an outage', failure('duplicate key value', '23505'), false],
    ['a syntax error (42601)', failure('syntax error', '42601'), false],
    ['a lock not available from NOWAIT elsewhere (55P02 is not 55P03)', failure("can't change parameter", '55P02'), false],
    ['an error without a code', failure('something else'), false],
  ])('%s', (_name, error, unreachable) => {
    const answer = databaseUnreachable(error);
    expect(answer === null ? null : answer.code).toBe(unreachable ? 'DatabaseUnavailable' : null);
  });

  it('is null for what is not an Error', () => {
    expect(databaseUnreachable('53300')).toBeNull();
  });
});
