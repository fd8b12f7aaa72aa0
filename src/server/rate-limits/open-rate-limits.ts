import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import { MemoryBuckets } from './memory-buckets.js';
import { RateLimits } from './rate-limits.js';
import { RedisBuckets } from './redis-buckets.js';

/** The rate limits the settings ask for: none (`PRODIMG_RATE_LIMIT=off`), in Redis (`REDIS_URL`), or in this process. */
export function openRateLimits(config: Config, logger?: FastifyBaseLogger): RateLimits | undefined {
  if (config.rateLimits === null) return undefined;
  const buckets = config.redisUrl ? new RedisBuckets(config.redisUrl, config.rateLimits) : new MemoryBuckets(config.rateLimits);
  return new RateLimits(buckets, config.rateLimits, (message, err) => logger?.warn({ err }, message));
}
