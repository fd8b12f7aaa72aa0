/** How the client retries answers that say "not now": 429 (a full rate-limit bucket) and 503 (overloaded). */
export interface RetryOptions {
  /** Retries after the first attempt; 0 turns retrying off. */
  maxRetries: number;
  /** The longest wait between attempts, in ms, whatever Retry-After asks for. */
  maxRetryWaitMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxRetries: 3, maxRetryWaitMs: 30_000 };

/*
 * Only these two: the server refuses a 429 before doing any work (admission), and a 503 is a refusal
 * to start (a full queue, the database not answering, draining), so sending the request again, a
 * write too, does it once. Any other status is the answer.
 */
const RETRIED = new Set([429, 503]);

/**
 * The ms to wait before attempt `attempt + 1` after an answer with `status` and `retryAfter` (the
 * header), or undefined when the answer stands: not a retried status, or no retries left. Retry-After
 * is seconds (what prodimg sends) or an HTTP date (what a proxy may send); without a usable one, 1, 2,
 * 4, ... seconds.
 */
export function retryWait(status: number, retryAfter: string | null, attempt: number, options: RetryOptions, now = Date.now()): number | undefined {
  if (!RETRIED.has(status) || attempt >= options.maxRetries) return undefined;
  return Math.min(retryAfterMs(retryAfter?.trim() ?? '', now) ?? 2 ** attempt * 1000, options.maxRetryWaitMs);
}

function retryAfterMs(value: string, now: number): number | undefined {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  // Only the HTTP date form ("Thu, 01 Jan 2026 00:00:05 GMT"): Date.parse takes "-1" for a year too.
  const date = /^[A-Z][a-z]{2}, /.test(value) ? Date.parse(value) : NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
