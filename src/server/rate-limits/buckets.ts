import type { BucketSize, RateLimitSettings } from '../../rate-limit-settings.js';

/**
 * The platform's rate limits: leaky buckets of requests, one per app and store and one per store
 * shared by all its apps. Each request adds one drop to both; each bucket leaks at its rate; a
 * request that would overflow either is refused (and adds nothing). Settings come from
 * PRODIMG_RATE_LIMIT (rate-limit-settings.ts).
 */

/** Which two buckets a request fills: its app's for its store, and its store's. */
export interface BucketKeys {
  app: string;
  store: string;
}

/** The outcome of one request: accepted or not, and both buckets' levels after it (before, when refused). */
export interface BucketDecision {
  accepted: boolean;
  appLevel: number;
  storeLevel: number;
  /** When refused: seconds until both buckets have room again. */
  retryAfterSeconds: number;
}

/** Where bucket levels live: in this process (MemoryBuckets) or shared in Redis (RedisBuckets). */
export interface Buckets {
  /** True when `take` answers without waiting (its result is not a promise). */
  readonly immediate: boolean;
  take(keys: BucketKeys): BucketDecision | Promise<BucketDecision>;
  close(): Promise<void>;
}

/**
 * A bucket's level `elapsedMs` after it was `level`; with `decide`, the one
 * arithmetic both stores use (Redis runs the same steps in Lua: redis-buckets.ts).
 */
export function leak(level: number, elapsedMs: number, size: BucketSize): number {
  return Math.max(0, level - (Math.max(0, elapsedMs) * size.perSecond) / 1000);
}

export function decide(app: number, store: number, settings: RateLimitSettings): BucketDecision {
  const over = (level: number, size: BucketSize) => Math.max(0, level + 1 - size.capacity) / size.perSecond;
  const wait = Math.max(over(app, settings.app), over(store, settings.store));
  if (wait > 0) return { accepted: false, appLevel: app, storeLevel: store, retryAfterSeconds: Math.max(1, Math.ceil(wait)) };
  return { accepted: true, appLevel: app + 1, storeLevel: store + 1, retryAfterSeconds: 0 };
}
