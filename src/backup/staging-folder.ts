import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pidExists } from '../storage/sqlite/presence.js';

/**
 * A folder of its own inside the data directory (hard links and renames need the same disk),
 * `.<kind>-<pid>-<random>`. Leftovers of a run that was killed, whose process is gone, are removed
 * first: they may hold hard links of every image file.
 */
export async function makeStagingFolder(dataDir: string, kind: 'backup' | 'restore'): Promise<string> {
  for (const entry of await readdir(dataDir)) {
    const pid = new RegExp(`^\\.${kind}-(\\d+)-`).exec(entry)?.[1];
    if (pid !== undefined && !pidExists(Number(pid))) await rm(join(dataDir, entry), { recursive: true, force: true });
  }
  return mkdtemp(join(dataDir, `.${kind}-${process.pid}-`));
}
