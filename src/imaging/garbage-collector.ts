import { type BlobStore, isBlobName } from './blob-store.js';

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
  options: { dryRun: boolean; progress?: (scanned: number) => void },
): Promise<GarbageReport> {
  const { blobs } = sources;
  const report: GarbageReport = { scanned: 0, removed: [], missing: [] };
  const keptOriginals = new Set<string>();
  const variants: string[] = [];
  for await (const name of blobs.list()) {
    report.scanned++;
    if (report.scanned % 1000 === 0) options.progress?.(report.scanned);
    const hash = name.slice(0, 32);
    if (name.charAt(32) === '_') {
      variants.push(name);
    } else if (await sources.isUsed(name)) {
      keptOriginals.add(hash);
    } else {
      report.removed.push(name);
    }
  }
  // A variant lives as long as its original; listing order is arbitrary, so decide at the end.
  for (const variant of variants) if (!keptOriginals.has(variant.slice(0, 32))) report.removed.push(variant);
  if (!options.dryRun) {
    for (const name of report.removed) {
      // Looked at again right before deleting: an image may have adopted the file since.
      if (name.charAt(32) !== '_' && (await sources.isUsed(name))) continue;
      if (name.charAt(32) === '_') await blobs.delete(name);
      else await blobs.deleteFamily(name.slice(0, 32));
    }
  }
  for await (const path of sources.usedPaths()) {
    if (isBlobName(path) && !(await blobs.has(path))) report.missing.push({ path, imageIds: await sources.imagesUsing(path) });
  }
  return report;
}
