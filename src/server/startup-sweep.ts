import type { FastifyBaseLogger } from 'fastify';
import { type GarbageInputs, garbageSources } from '../garbage-sources.js';
import { collectGarbage } from '../imaging/garbage-collector.js';
import { sweepSpool } from '../imaging/kept-bytes.js';

/** Temp files this old cannot belong to a write still under way: a put only writes and syncs bytes already in memory. */
const UNFINISHED_AGE_MS = 10 * 60 * 1000;

/**
 * Run once after start-up, in the background: a crash between storing a file and committing its row
 * (or between deleting a row and its file) leaves a file nobody uses. This removes those, and the
 * leftovers of interrupted writes and of the ingestor's spool (kept-bytes.ts), and logs rows whose
 * file is missing. Serving goes on meanwhile; the removal protocol of ImageFiles keeps it safe
 * against requests adopting a file at that moment.
 */
export async function sweepOnStartup(
  deps: GarbageInputs & {
    logger: FastifyBaseLogger;
    /** Aborted when the server closes: a long sweep must not hold up a shutdown. */
    signal: AbortSignal;
    /** The ingestor's spool folder and the age past which a file in it is a crash's leftover. */
    spool?: { dir: string; olderThanMs: number };
  },
): Promise<void> {
  const { blobs, logger } = deps;
  const started = Date.now();
  const unfinished = (await blobs.sweepUnfinished?.(UNFINISHED_AGE_MS)) ?? 0;
  const spooled = deps.spool ? await sweepSpool(deps.spool.dir, deps.spool.olderThanMs) : 0;
  const report = await collectGarbage(garbageSources(deps), { dryRun: false, signal: deps.signal });
  for (const { path, imageIds } of report.missing) logger.error({ path, imageIds }, 'startup sweep: image file missing');
  logger.info(
    { scanned: report.scanned, removed: report.removed.length, unfinished, spooled, missing: report.missing.length, ms: Date.now() - started },
    'startup sweep done',
  );
}
