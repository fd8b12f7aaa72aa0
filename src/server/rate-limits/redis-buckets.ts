import { Redis } from 'ioredis';
import type { BucketDecision, BucketKeys, Buckets } from './buckets.js';
import type { RateLimitSettings } from '../../rate-limit-settings.js';

/**
 * Both buckets in one atomic script on Redis's own clock, so every server process sharing the Redis
 * shares the levels: read, leak, decide and write happen in one step, never read-then-write from
 * here. The same arithmetic as buckets.ts `leak` and `decide`.
 * KEYS: app bucket, store bucket. ARGV: app capacity, app leak per ms, store capacity, store leak per ms.
 * Returns accepted (1/0), the two levels and the seconds to wait, as strings (Redis drops fractions of numbers).
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function level(key, leak)
  local held = redis.call('HMGET', key, 'level', 'at')
  local l = tonumber(held[1]) or 0
  local at = tonumber(held[2]) or now
  l = l - math.max(0, now - at) * leak
  if l < 0 then l = 0 end
  return l
end
local cap1, leak1, cap2, leak2 = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local app, store = level(KEYS[1], leak1), level(KEYS[2], leak2)
local wait = math.max(math.max(0, app + 1 - cap1) / leak1, math.max(0, store + 1 - cap2) / leak2) / 1000
if wait > 0 then
  return {0, tostring(app), tostring(store), tostring(wait)}
end
redis.call('HSET', KEYS[1], 'level', tostring(app + 1), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap1 / leak1) + 1000)
redis.call('HSET', KEYS[2], 'level', tostring(store + 1), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[2], math.ceil(cap2 / leak2) + 1000)
return {1, tostring(app + 1), tostring(store + 1), '0'}
`;

type TakeResult = [number, string, string, string];

export class RedisBuckets implements Buckets {
  readonly immediate = false;
  private readonly redis: Redis & { prodimgTake(app: string, store: string, ...args: number[]): Promise<TakeResult> };

  constructor(
    url: string,
    private readonly settings: RateLimitSettings,
    private readonly prefix = 'prodimg:rate:',
  ) {
    // No queue while disconnected and one short timeout: a Redis that is away answers at once with
    // an error, so admission can go on without it (rate-limits.ts) instead of holding requests.
    const redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 1000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
      lazyConnect: false,
    });
    redis.defineCommand('prodimgTake', { numberOfKeys: 2, lua: TAKE });
    // Errors are answered per command; the client's own 'error' events must not crash the process.
    redis.on('error', () => {});
    this.redis = redis as typeof this.redis;
    this.firstReady = new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  }

  /** Resolves on the first connection: requests right after start wait for it, briefly. */
  private readonly firstReady: Promise<void>;

  async take(keys: BucketKeys): Promise<BucketDecision> {
    if (this.redis.status !== 'ready') await this.awaitFirstConnection();
    const { app, store } = this.settings;
    const [accepted, appLevel, storeLevel, wait] = await this.redis.prodimgTake(
      `${this.prefix}app:${keys.app}`,
      `${this.prefix}store:${keys.store}`,
      app.capacity,
      app.perSecond / 1000,
      store.capacity,
      store.perSecond / 1000,
    );
    return {
      accepted: accepted === 1,
      appLevel: Number(appLevel),
      storeLevel: Number(storeLevel),
      retryAfterSeconds: accepted === 1 ? 0 : Math.max(1, Math.ceil(Number(wait))),
    };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  /** Up to a second for the first connection; after that, a lost connection fails at once. */
  private async awaitFirstConnection(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 1000);
    });
    await Promise.race([this.firstReady, late]).finally(() => clearTimeout(timer));
  }
}
