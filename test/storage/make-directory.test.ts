import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirectory } from '../../src/storage/make-directory.js';

describe('makeDirectory: mkdir -p that cannot spin', () => {
  const root = mkdtempSync(join(tmpdir(), 'prodimg-mkdir-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('makes the missing parents, with the mode, and returns the first directory it made', () => {
    expect(makeDirectory(join(root, 'a/b/c'), 0o700)).toBe(join(root, 'a'));
    expect(statSync(join(root, 'a/b/c')).isDirectory()).toBe(true);
    expect(statSync(join(root, 'a/b')).mode & 0o777).toBe(0o700);
    expect(makeDirectory(join(root, 'a/b/d'))).toBe(join(root, 'a/b/d'));
  });

  it('returns undefined for a directory that is there', () => {
    expect(makeDirectory(join(root, 'a'))).toBeUndefined();
  });

  it('refuses a file in the way', () => {
    writeFileSync(join(root, 'file'), '');
    expect(() => makeDirectory(join(root, 'file'))).toThrow(/EEXIST/);
    expect(() => makeDirectory(join(root, 'file/below'))).toThrow(/ENOTDIR/);
  });

  // Regression: mkdirSync(..., { recursive: true }) loops forever on this ENOENT (its parent exists).
  it.skipIf(!existsSync('/proc/self'))('throws ENOENT where the parent exists but refuses new entries (/proc/nope)', () => {
    expect(() => makeDirectory('/proc/nope/deeper')).toThrow(/ENOENT.*\/proc\/nope/);
  });
});
