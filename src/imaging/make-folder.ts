import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * `mkdir -p` that keeps the real error: Node's recursive mkdir reports a refused mkdir of a missing
 * folder (EROFS on a read-only disk, EACCES) as ENOENT, which reads as a bug rather than storage out
 * of reach (storage-failure.ts). Returns the first folder it made, as Node's does; undefined when
 * `dir` was there. One level at a time, so a parent that exists yet refuses entries with ENOENT
 * (`/proc/nope`) ends in that ENOENT instead of a loop.
 */
export async function makeFolder(dir: string): Promise<string | undefined> {
  try {
    await mkdir(dir);
    return dir;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A file of that name: the write into it says ENOTDIR.
    if (code === 'EEXIST') return undefined;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw error;
    const first = await makeFolder(parent);
    // Another request may have made it meanwhile.
    await mkdir(dir).catch((again: unknown) => {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again;
    });
    return first ?? dir;
  }
}
