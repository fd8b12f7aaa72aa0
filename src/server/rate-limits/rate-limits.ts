import type { Grant } from '../../domain/entities.js';
import { DomainError } from '../../domain/errors.js';
import type { WithAnswerHeaders } from '../admission.js';
import type { BucketDecision, Buckets } from './buckets.js';
import type { RateLimitSettings } from '../../rate-limit-settings.js';

/** The header names the bucket levels are answered in (the reference names none: docs/contract.md). */
export const APP_LIMIT_HEADER = 'X-Shoplazza-Api-Call-Limit';
export const STORE_LIMIT_HEADER = 'X-Shoplazza-Store-Api-Call-Limit';

/** A 429, with the bucket levels the answer carries like every other answer to a limited token. */
export class RateLimitRefusal extends DomainError implements WithAnswerHeaders {
  constructor(
    decision: BucketDecision,
    why: string,
    readonly answerHeaders: readonly string[],
  ) {
    super('RateLimited', [why], { retryAfterSeconds: decision.retryAfterSeconds });
  }
}

const NO_HEADERS: readonly string[] = [];
const WARN_EVERY_MS = 10_000;

/**
 * Charges a limited token's request to its buckets (admission.ts). A request of a token that is not
 * rate limited costs nothing. When the buckets' store fails (Redis away), requests go on without a
 * limit (fail-open: the limit protects fairness, not the server, which has its own bounds) and a
 * warning is logged at most every 10 s; the limit applies again as soon as Redis answers.
 */
export class RateLimits {
  private warnedAt = -Infinity;

  constructor(
    private readonly buckets: Buckets,
    private readonly settings: RateLimitSettings,
    private readonly warn: (message: string, error: unknown) => void,
  ) {}

  /** Whether `charge` answers without waiting for a limited grant. */
  get immediate(): boolean {
    return this.buckets.immediate;
  }

  /** The headers an accepted request's answer carries; throws RateLimitRefusal when a bucket is full. */
  charge(grant: Grant): readonly string[] | Promise<readonly string[]> {
    if (grant.rateLimitKey === undefined) return NO_HEADERS;
    const keys = { app: `${grant.rateLimitKey}:${grant.shopId}`, store: grant.shopId };
    const taken = this.buckets.take(keys);
    if (!(taken instanceof Promise)) return this.settle(taken);
    return taken.then(
      (decision) => this.settle(decision),
      (error: unknown) => {
        const now = performance.now();
        if (now - this.warnedAt >= WARN_EVERY_MS) {
          this.warnedAt = now;
          this.warn('rate limits not applied: their store (Redis) is not answering', error);
        }
        return NO_HEADERS;
      },
    );
  }

  async close(): Promise<void> {
    await this.buckets.close();
  }

  private settle(decision: BucketDecision): readonly string[] {
    const { app, store } = this.settings;
    const headers = [APP_LIMIT_HEADER, `${Math.ceil(decision.appLevel)}/${app.capacity}`, STORE_LIMIT_HEADER, `${Math.ceil(decision.storeLevel)}/${store.capacity}`];
    if (decision.accepted) return headers;
    const full = decision.appLevel + 1 > app.capacity ? 'app' : 'store';
    throw new RateLimitRefusal(decision, bucketFull(full, this.settings, decision.retryAfterSeconds), headers);
  }
}

/** Why a 429 refuses: which bucket is full, its size and leak, and when to retry. */
export function bucketFull(which: 'app' | 'store', settings: RateLimitSettings, retryAfterSeconds: number): string {
  const { capacity, perSecond } = settings[which];
  const bucket = which === 'app' ? "the app's bucket for this store" : "the store's bucket";
  return `${bucket} is full (${capacity} requests, leaking ${perSecond} per second); retry after ${retryAfterSeconds} s`;
}
