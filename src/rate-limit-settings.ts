/** PRODIMG_RATE_LIMIT: the sizes of the two leaky buckets (server/rate-limits/ fills them). */
export interface BucketSize {
  /** How many requests the bucket holds. */
  capacity: number;
  /** How many it leaks per second. */
  perSecond: number;
}

export interface RateLimitSettings {
  app: BucketSize;
  store: BucketSize;
}

/** The reference's numbers: 40 per app and store leaking 2 a second, 80 per store leaking 20 a second. */
export const DEFAULT_RATE_LIMITS: RateLimitSettings = { app: { capacity: 40, perSecond: 2 }, store: { capacity: 80, perSecond: 20 } };

/**
 * `app:40/2,store:80/20` (a part left out keeps its default), or `off`: null. Throws a message
 * naming the part it cannot read.
 */
export function parseRateLimits(text: string): RateLimitSettings | null {
  if (text.trim().toLowerCase() === 'off') return null;
  const settings = { ...DEFAULT_RATE_LIMITS };
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^(app|store):(\d{1,6})\/(\d{1,6}(?:\.\d{1,3})?)$/.exec(part);
    if (!match || Number(match[2]) < 1 || Number(match[3]) <= 0) throw new Error(`"${part}" is not <app|store>:<capacity>/<leak per second>, e.g. app:40/2`);
    settings[match[1] as 'app' | 'store'] = { capacity: Number(match[2]), perSecond: Number(match[3]) };
  }
  return settings;
}
