import { type BucketDecision, type BucketKeys, type Buckets, decide, leak } from './buckets.js';
import type { RateLimitSettings } from '../../rate-limit-settings.js';

interface Level {
  level: number;
  at: number;
}

/** Bucket levels in this process: for one server (several processes share them through Redis). */
export class MemoryBuckets implements Buckets {
  readonly immediate = true;
  private readonly levels = new Map<string, Level>();
  private sweptAt = 0;

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly now: () => number = () => performance.now(),
  ) {}

  take(keys: BucketKeys): BucketDecision {
    const now = this.now();
    this.sweep(now);
    const app = this.current(`app:${keys.app}`, now, 'app');
    const store = this.current(`store:${keys.store}`, now, 'store');
    const decision = decide(app, store, this.settings);
    if (decision.accepted) {
      this.levels.set(`app:${keys.app}`, { level: decision.appLevel, at: now });
      this.levels.set(`store:${keys.store}`, { level: decision.storeLevel, at: now });
    }
    return decision;
  }

  async close(): Promise<void> {}

  private current(key: string, now: number, which: 'app' | 'store'): number {
    const held = this.levels.get(key);
    return held ? leak(held.level, now - held.at, this.settings[which]) : 0;
  }

  /** Forgets empty buckets now and then, so memory follows the tokens in use, not every token ever seen. */
  private sweep(now: number): void {
    if (now - this.sweptAt < 60_000) return;
    this.sweptAt = now;
    for (const [key, held] of this.levels) {
      if (leak(held.level, now - held.at, this.settings[key.startsWith('app:') ? 'app' : 'store']) === 0) this.levels.delete(key);
    }
  }
}
