import type { BlobStore } from '../imaging/blob-store.js';
import { copyProblem, md5Of, sourceProblem } from './blob-copy-check.js';

export interface BlobCopyFailure {
  name: string;
  reason: string;
}

export interface BlobMigration {
  /** Files listed in the source when the run started (more may be copied if servers add some meanwhile). */
  total: number;
  /** Copied and read back identical. */
  copied: number;
  /** Already in the target: a store's put is whole or nothing, so a name it holds is a complete file. */
  skipped: number;
  /** Listed, then gone from the source before they were read (an image deleted meanwhile). */
  gone: number;
  /** Bytes written to the target. */
  bytes: number;
  /** Files that failed to verify: not in the target after the run. */
  failed: BlobCopyFailure[];
}

export interface MigrateBlobsOptions {
  source: BlobStore;
  target: BlobStore;
  /** Files in flight at once; each is held in memory whole, so memory is at most this many files. */
  concurrency: number;
  onProgress?: (counts: { done: number; total: number; failed: number }) => void;
}

/**
 * Copies every file of `source` into `target`, one whole file per slot, and checks each: an
 * original's bytes against the md5 its name holds before the copy, every copy read back from the
 * target after it. A copy that reads back wrong is deleted again, so whatever the target holds is
 * good, and a rerun skips it: a stopped run (a crash, Ctrl-C, a target that went away) loses only
 * the files in flight, which the next run copies. An I/O error stops the run and is thrown once the
 * files in flight have ended; files that fail to verify are reported and the run goes on.
 */
export async function migrateBlobs(options: MigrateBlobsOptions): Promise<BlobMigration> {
  const { source, target } = options;
  let total = 0;
  // Counted first so the progress bar has an end; names are not kept, so memory stays flat.
  for await (const _name of source.list()) total++;
  const result: BlobMigration = { total, copied: 0, skipped: 0, gone: 0, bytes: 0, failed: [] };
  let done = 0;
  const report = () => options.onProgress?.({ done, total: Math.max(total, done), failed: result.failed.length });
  report();

  const copyOne = async (name: string) => {
    if (await target.has(name)) {
      result.skipped++;
      return;
    }
    const bytes = await source.get(name);
    if (bytes === null) {
      result.gone++;
      return;
    }
    const md5 = md5Of(bytes);
    const refused = sourceProblem(name, md5);
    if (refused !== null) {
      result.failed.push({ name, reason: refused });
      return;
    }
    await target.put(name, bytes);
    const back = await target.get(name);
    const wrong = copyProblem({ size: bytes.length, md5 }, back && { size: back.length, md5: md5Of(back) });
    if (wrong !== null) {
      await target.delete(name);
      result.failed.push({ name, reason: wrong });
      return;
    }
    result.copied++;
    result.bytes += bytes.length;
  };

  const names = source.list()[Symbol.asyncIterator]();
  let stopped: { error: unknown } | undefined;
  // Calls of an async generator's next() queue up, so the slots can share one listing.
  const slot = async () => {
    while (stopped === undefined) {
      try {
        const next = await names.next();
        if (next.done) return;
        await copyOne(next.value);
      } catch (error) {
        stopped ??= { error };
        return;
      }
      done++;
      report();
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, slot));
  if (stopped !== undefined) {
    await names.return?.();
    throw stopped.error;
  }
  return result;
}
