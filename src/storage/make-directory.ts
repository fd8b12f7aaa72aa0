import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * `mkdirSync(path, { recursive: true })` without its endless loop: Node 20 retries a mkdir that
 * answers ENOENT by making the parent first, and where the parent exists but still refuses new
 * entries with ENOENT (`/proc/nope`, other pseudo file systems) it spins at full CPU forever.
 * Here that ENOENT is thrown. Returns the first directory it made, undefined if `path` was there.
 */
export function makeDirectory(path: string, mode?: number): string | undefined {
  try {
    mkdirSync(path, mode === undefined ? {} : { mode });
    return path;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && statSync(path).isDirectory()) return undefined;
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path || existsSync(parent)) throw err;
    const first = makeDirectory(parent, mode);
    mkdirSync(path, mode === undefined ? {} : { mode });
    return first ?? path;
  }
}
