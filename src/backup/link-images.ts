import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BlobStore } from '../imaging/blob-store.js';
import { imageEntry } from './archive-layout.js';

/**
 * Puts another name of a stored file at `<dir>/images/<shard>/<name>`: a hard link, which costs no
 * copy and keeps the bytes even if the store deletes the file a moment later; a copy where the disk
 * has no hard links. False when the store does not hold the file (now).
 */
export async function linkImage(blobs: BlobStore, root: string, dir: string, name: string): Promise<boolean> {
  const target = join(dir, imageEntry(name));
  await mkdir(dirname(target), { recursive: true });
  try {
    return (await blobs.hardLink!(name, target)) || false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return true;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EMLINK') throw error;
    return copyFile(join(root, name.slice(0, 2), name), target).then(
      () => true,
      (copyError: NodeJS.ErrnoException) => {
        if (copyError.code === 'ENOENT') return false;
        throw copyError;
      },
    );
  }
}

/** Every file the store holds now, linked under `<dir>/images`; returns how many. */
export async function linkAllImages(blobs: BlobStore, root: string, dir: string): Promise<number> {
  let linked = 0;
  for await (const name of blobs.list()) if (await linkImage(blobs, root, dir, name)) linked++;
  return linked;
}
