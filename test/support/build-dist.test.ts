import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { distStale } from './build-dist.js';

/** The suites that run `bin/prodimg.js` get a dist/ built from the src/ under test, never a stale one. */
describe('distStale: when test/support/global-setup.ts builds dist/', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  /** A project tree whose files and folders all date from `at` (seconds since the epoch). */
  function tree(at: number): string {
    const root = mkdtempSync(join(tmpdir(), 'prodimg-dist-'));
    roots.push(root);
    const files = ['src/domain/clock.ts', 'dist/cli/main.js', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
    for (const file of files) {
      mkdirSync(join(root, file, '..'), { recursive: true });
      writeFileSync(join(root, file), '');
    }
    for (const path of [...files, 'src/domain', 'src', 'dist/cli', 'dist']) utimesSync(join(root, path), at, at);
    return root;
  }

  it('the stale cases, each named; none when dist/ is as new as what it is built from', () => {
    const fresh = tree(1_000_000);
    expect(distStale(fresh)).toBeUndefined();

    const missing = tree(1_000_000);
    rmSync(join(missing, 'dist'), { recursive: true });
    expect(distStale(missing)).toBe('dist/ is missing');

    const edited = tree(1_000_000);
    utimesSync(join(edited, 'src/domain/clock.ts'), 1_000_001, 1_000_001);
    expect(distStale(edited)).toBe('src changed after dist/ was built');

    const deleted = tree(1_000_000);
    rmSync(join(deleted, 'src/domain/clock.ts'));
    expect(distStale(deleted)).toBe('src changed after dist/ was built');

    const settings = tree(1_000_000);
    utimesSync(join(settings, 'tsconfig.build.json'), 1_000_001, 1_000_001);
    expect(distStale(settings)).toBe('tsconfig.build.json changed after dist/ was built');
  });

  it('this checkout: global setup built dist/ before any suite ran', () => {
    expect(distStale()).toBeUndefined();
  });
});
