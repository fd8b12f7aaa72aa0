import type { ImageFiles } from './domain/image-files.js';
import type { BlobStore } from './imaging/blob-store.js';
import type { GarbageSources } from './imaging/garbage-collector.js';
import type { Database } from './storage/database.js';
import { distinctImagePaths, imageIdsUsingPath } from './storage/image-file-queries.js';

export interface GarbageInputs {
  database: Database;
  blobs: BlobStore;
  files: ImageFiles;
  isUsed: (path: string) => Promise<boolean>;
}

/**
 * What collectGarbage reads and removes through, for the start-up sweep and `prodimg gc` alike. Here
 * beside open-blob-store.ts for the same reason: it joins imaging (the store, ImageFiles) to storage
 * (the image rows), and both entry points need it.
 */
export function garbageSources(deps: GarbageInputs): GarbageSources {
  const { database, blobs, files, isUsed } = deps;
  return {
    blobs,
    isUsed,
    release: (paths) => files.release(paths),
    usedPaths: () => distinctImagePaths(database.db),
    imagesUsing: (path) => imageIdsUsingPath(database.db, path),
  };
}
