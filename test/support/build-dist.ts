import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Written by every build (tsc emits every file), so its time is the build's. */
const STAMP = 'dist/cli/main.js';
/** What the build reads: a change to any of these makes dist/ stale. */
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

function newestTime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted or renamed file changes its folder's time
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestTime(join(path, entry)));
  return newest;
}

/** Why `root`'s dist/ must be built before the suites that run `bin/prodimg.js`, or undefined when it is up to date. */
export function distStale(root = ROOT): string | undefined {
  let built: number;
  try {
    built = statSync(join(root, STAMP)).mtimeMs;
  } catch {
    return 'dist/ is missing';
  }
  const changed = INPUTS.find((input) => newestTime(join(root, input)) > built);
  return changed === undefined ? undefined : `${changed} changed after dist/ was built`;
}

/**
 * Builds dist/ (`tsc -p tsconfig.build.json`, as `npm run build`) when it is missing or older than
 * what it is built from, so no suite runs a stale or missing `bin/prodimg.js`. A failed build fails the run.
 */
export function buildDistIfStale(): void {
  const why = distStale();
  if (why === undefined) return;
  const started = performance.now();
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${why}; building it (tsc -p tsconfig.build.json) failed:\n${result.stdout}${result.stderr}`);
  }
  console.log(`${why}: built it in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
}
