import { blobHash, type BlobStore, isBlobName, isVariantName } from './blob-store.js';

export interface GarbageReport {
  /** Files looked at. */
  scanned: number;
  /** Files removed (or, in a dry run, that would be): unreferenced originals and orphaned variants. */
  removed: string[];
  /** Files that image rows name but the store does not hold, with those rows' ids. */
  missing: Array<{ path: string; imageIds: string[] }>;
}

export interface GarbageSources {
  blobs: BlobStore;
  isUsed(path: string): Promise<boolean>;
  /** Removes originals no row uses, safely against a request adopting them meanwhile (ImageFiles.release). */
  release(paths: readonly string[]): Promise<void>;
  /** Every distinct path named by an image row. */
  usedPaths(): AsyncIterable<string>;
  imagesUsing(path: string): Promise<string[]>;
}

/**
 * Finds files no image references (removing them unless `dryRun`) and image rows whose file is gone.
 * `progress` is called now and then with how many files were looked at, for long runs.
 */
export async function collectGarbage(
  sources: GarbageSources,
  options: { dryRun: boolean; progress?: (scanned: number) => void; signal?: AbortSignal },
): Promise<GarbageReport> {
  const { blobs } = sources;
  const report: GarbageReport = { scanned: 0, removed: [], missing: [] };
  const keptOriginals = new Set<string>();
  const variants: string[] = [];
  for await (const name of blobs.list()) {
    options.signal?.throwIfAborted();
    report.scanned++;
    if (report.scanned % 1000 === 0) options.progress?.(report.scanned);
    if (isVariantName(name)) {
      variants.push(name);
    } else if (await sources.isUsed(name)) {
      keptOriginals.add(blobHash(name));
    } else {
      report.removed.push(name);
    }
  }
  // A variant lives as long as its original; listing order is arbitrary, so decide at the end.
  for (const variant of variants) if (!keptOriginals.has(blobHash(variant))) report.removed.push(variant);
  if (!options.dryRun) {
    for (const name of report.removed) {
      options.signal?.throwIfAborted();
      if (isVariantName(name)) await blobs.delete(name);
      else await sources.release([name]);
    }
  }
  for await (const path of sources.usedPaths()) {
    options.signal?.throwIfAborted();
    if (isBlobName(path) && !(await blobs.has(path))) report.missing.push({ path, imageIds: await sources.imagesUsing(path) });
  }
  return report;
}
