/**
 * How long after its n-th failed attempt (n from 1) a delivery is tried again, as multiples of
 * PRODIMG_WEBHOOK_RETRY_MS: with the default 5 s, attempts at 0, 5 s, 20 s and 65 s (three in the
 * first minute), then about 3 min, 13 min, 43 min, 1 h 43 min; the last step repeats.
 */
const MULTIPLES = [1, 3, 9, 30, 120, 360, 720] as const;

/**
 * How long from now to try again after `failed` attempts of this round, or null: give up (mark it
 * failed). A delay, not a time: the next attempt's time is the database's clock plus it.
 */
export function retryDelay(failed: number, baseMs: number, maxAttempts: number): number | null {
  if (failed >= maxAttempts) return null;
  const multiple = MULTIPLES[Math.min(failed, MULTIPLES.length) - 1] ?? 1;
  return multiple * baseMs;
}
