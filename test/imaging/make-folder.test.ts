import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeFolder } from '../../src/imaging/make-folder.js';

describe('makeFolder: mkdir -p keeping the real error (read-only disks are test/reliability/read-only-storage.test.ts)', () => {
  const root = mkdtempSync(join(tmpdir(), 'prodimg-make-folder-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('makes every missing level and returns the first it made; undefined when the folder is there', async () => {
    expect(await makeFolder(join(root, 'a', 'b', 'c'))).toBe(join(root, 'a'));
    expect(statSync(join(root, 'a', 'b', 'c')).isDirectory()).toBe(true);
    expect(await makeFolder(join(root, 'a', 'b', 'c'))).toBeUndefined();
    expect(await makeFolder(join(root, 'a', 'd'))).toBe(join(root, 'a', 'd'));
  });

  it('concurrent calls for one folder all succeed', async () => {
    await Promise.all(Array.from({ length: 8 }, () => makeFolder(join(root, 'x', 'y'))));
    expect(statSync(join(root, 'x', 'y')).isDirectory()).toBe(true);
  });

  it.skipIf(!existsSync('/proc/self'))('a parent that refuses entries with ENOENT (/proc/nope) ends in that ENOENT, not a loop', async () => {
    await expect(makeFolder('/proc/nope/deeper')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
