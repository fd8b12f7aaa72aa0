import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import { MemoryBuckets } from './memory-buckets.js';
import { RateLimits } from './rate-limits.js';

/** The rate limits the settings ask for: none (`PRODIMG_RATE_LIMIT=off`), in Redis (`REDIS_URL`), or in this process. */
export async function openRateLimits(config: Config, logger?: FastifyBaseLogger): Promise<RateLimits | undefined> {
  if (config.rateLimits === null) return undefined;
  // Redis's client is loaded only for Redis: a server (or a test's stand-in) without it starts faster.
  const buckets = config.redisUrl
    ? new (await import('./redis-buckets.js')).RedisBuckets(config.redisUrl, config.rateLimits)
    : new MemoryBuckets(config.rateLimits);
  return new RateLimits(buckets, config.rateLimits, (message, err) => logger?.warn({ err }, message));
}
