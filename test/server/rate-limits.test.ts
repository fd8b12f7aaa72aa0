import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, parseRateLimits, type RateLimitSettings } from '../../src/rate-limit-settings.js';
import { decide, leak } from '../../src/server/rate-limits/buckets.js';
import { MemoryBuckets } from '../../src/server/rate-limits/memory-buckets.js';
import { RedisBuckets } from '../../src/server/rate-limits/redis-buckets.js';

const SMALL: RateLimitSettings = { app: { capacity: 3, perSecond: 1 }, store: { capacity: 5, perSecond: 2 } };

describe('leaky bucket arithmetic', () => {
  it.each([
    [10, 1000, 2, 8],
    [10, 2500, 2, 5],
    [10, 60_000, 2, 0],
    [3, -50, 2, 3],
    [0.5, 100, 20, 0],
  ])('a level of %d, %d ms later at %d per second, is %d', (level, elapsed, perSecond, expected) => {
    expect(leak(level, elapsed, { capacity: 40, perSecond })).toBeCloseTo(expected, 9);
  });

  it('accepts while both buckets have room, then says how long until they do', () => {
    expect(decide(0, 0, SMALL)).toEqual({ accepted: true, appLevel: 1, storeLevel: 1, retryAfterSeconds: 0 });
    expect(decide(2, 4, SMALL)).toEqual({ accepted: true, appLevel: 3, storeLevel: 5, retryAfterSeconds: 0 });
    expect(decide(3, 0, SMALL)).toEqual({ accepted: false, appLevel: 3, storeLevel: 0, retryAfterSeconds: 1 });
    // The store bucket full: 1 drop over at 2 per second is half a second, answered as 1 (Retry-After is whole seconds).
    expect(decide(0, 5, SMALL)).toEqual({ accepted: false, appLevel: 0, storeLevel: 5, retryAfterSeconds: 1 });
    expect(decide(0, 5, { ...SMALL, store: { capacity: 5, perSecond: 0.25 } }).retryAfterSeconds).toBe(4);
  });

  it('reads PRODIMG_RATE_LIMIT: defaults, one part, off, and a clear refusal', () => {
    expect(parseRateLimits('app:40/2,store:80/20')).toEqual(DEFAULT_RATE_LIMITS);
    expect(parseRateLimits('app:10/0.5')).toEqual({ app: { capacity: 10, perSecond: 0.5 }, store: DEFAULT_RATE_LIMITS.store });
    expect(parseRateLimits('OFF')).toBeNull();
    expect(() => parseRateLimits('app:40')).toThrow('"app:40" is not <app|store>:<capacity>/<leak per second>, e.g. app:40/2');
    expect(() => parseRateLimits('app:0/2')).toThrow('is not');
  });
});

describe('bucket stores', () => {
  it('in memory: fills, refuses, leaks with time, and keeps apps and stores apart', () => {
    let now = 0;
    const buckets = new MemoryBuckets(SMALL, () => now);
    const a = { app: 'a:s1', store: 's1' };
    expect([1, 2, 3].map(() => buckets.take(a).accepted)).toEqual([true, true, true]);
    expect(buckets.take(a)).toMatchObject({ accepted: false, retryAfterSeconds: 1 });
    // Another app of the same store fills the store's bucket up to its 5.
    const b = { app: 'b:s1', store: 's1' };
    expect([1, 2, 3].map(() => buckets.take(b).accepted)).toEqual([true, true, false]);
    expect(buckets.take({ app: 'a:s2', store: 's2' }).accepted).toBe(true);
    now = 1000; // one second: the app bucket leaked 1, the store bucket 2
    expect(buckets.take(a)).toMatchObject({ accepted: true, appLevel: 3, storeLevel: 4 });
    expect(buckets.take(a).accepted).toBe(false);
  });

  describe('in Redis (the machine’s own, keys under a prefix of this run)', () => {
    const prefix = `prodimg-test:${randomUUID()}:`;
    const buckets = new RedisBuckets(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', SMALL, prefix);
    afterAll(() => buckets.close());

    it('makes the same decisions as memory, atomically: 20 concurrent takes accept exactly the capacity', async () => {
      const keys = { app: 'a:s1', store: 's1' };
      const decisions = await Promise.all(Array.from({ length: 20 }, () => buckets.take(keys)));
      expect(decisions.filter((d) => d.accepted)).toHaveLength(3);
      expect(decisions.filter((d) => !d.accepted).every((d) => d.retryAfterSeconds === 1)).toBe(true);
      expect(Math.max(...decisions.map((d) => d.appLevel))).toBeCloseTo(3, 1);
      // The store's bucket is shared with another app: 2 more fit (5 in all).
      const other = await Promise.all(Array.from({ length: 5 }, () => buckets.take({ app: 'b:s1', store: 's1' })));
      expect(other.filter((d) => d.accepted)).toHaveLength(2);
    });
  });
});
