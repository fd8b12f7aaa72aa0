import type { ImageFiles } from '../domain/image-files.js';
import { blobHash, type BlobStore, isBlobName } from './blob-store.js';

/**
 * ImageFiles over a BlobStore. No lock is needed between a release (last row gone: delete the file)
 * and a concurrent create adopting the same bytes, because each re-checks after acting:
 * - ensure runs after the adopting row committed and puts the file back if it is missing;
 * - release reads the file, deletes it, then looks for rows again and restores it if one appeared.
 * Whichever of the two looks last sees the other's change, so a committed row never ends up without
 * its file. Variants are deleted with their original and remade on demand.
 */
export function createImageFiles(
  blobs: BlobStore,
  isUsed: (path: string) => Promise<boolean>,
  /**
   * The store itself, when `blobs` is a memory cache in front of it: whether a file is still there
   * is asked of it, as a copy in memory outlives a deletion made by another process, and a file
   * believed kept would never be written back.
   */
  durable: Pick<BlobStore, 'has'> = blobs,
): ImageFiles {
  return {
    async ensure(image) {
      if (!image.keep || !isBlobName(image.path) || (await durable.has(image.path))) return;
      const bytes = await image.keep.restore();
      if (bytes === null) throw new Error(`the file ${image.path} went before its row committed, and its kept bytes were lost`);
      await blobs.put(image.path, bytes);
    },

    async release(paths) {
      for (const path of new Set(paths)) {
        // Only files of our own library: with ingestion off a path is just the URL's file name.
        if (!isBlobName(path) || (await isUsed(path))) continue;
        const bytes = await blobs.get(path);
        await blobs.deleteFamily(blobHash(path));
        if (bytes && (await isUsed(path))) await blobs.put(path, bytes);
      }
    },
  };
}
