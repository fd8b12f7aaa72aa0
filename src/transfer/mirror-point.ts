import { formatTimestamp } from '../domain/clock.js';

/** What a finished pass saw, in ms of the source's clock (its `updated_at` and its `Date` header). */
export interface FinishedPass {
  /** The `updated_at_min` this pass asked for; null for a full pass. */
  since: string | null;
  /** The `Date` of a source answer received before the first page was asked for; undefined when the source sends none. */
  sourceDate: number | undefined;
  /** The newest `updated_at` among the products listed. */
  newestSeen: number | undefined;
  /** The oldest `updated_at` among the products that failed here (they are asked for again). */
  oldestFailed: number | undefined;
  /** A product failed whose `updated_at` is not a time: only a full pass asks for it again. */
  failedUntimed: boolean;
}

/**
 * The `updated_at_min` of the next incremental pass (inclusive), or null for a full one.
 *
 * Times are whole seconds. A product changed after its page was read is not in this pass, and the
 * newest `updated_at` listed says nothing about it (a product listed later may be newer still). So the
 * point is taken from the source's clock before the listing began: every change stamped two seconds
 * or more before that `Date` was committed and listed (one second for the header's rounding, one for
 * a write stamped just before it commits); anything later is asked for again. Without a `Date`,
 * the newest `updated_at` listed, inclusive. A failed product keeps the point at or before it, so the
 * next pass tries it again (one without a time: the next pass is a full one).
 */
export function nextMirrorPoint(pass: FinishedPass): string | null {
  if (pass.failedUntimed) return null;
  const since = pass.since === null ? undefined : Date.parse(pass.since);
  let point: number | undefined;
  if (pass.sourceDate !== undefined) {
    const settled = Math.floor(pass.sourceDate / 1000) * 1000 - 1000;
    point = since === undefined ? settled : Math.max(since, settled);
  } else {
    point = pass.newestSeen ?? since;
  }
  if (pass.oldestFailed !== undefined) point = point === undefined ? pass.oldestFailed : Math.min(point, pass.oldestFailed);
  return point === undefined ? null : formatTimestamp(new Date(point));
}

/** A time of the source (`updated_at`, a `Date` header) in ms, or undefined when it is not one. */
export function sourceTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}
