import type { Grant } from './entities.js';

type CachedGrant = Grant & { tokenHash: string };

/**
 * Remembers recently seen active grants by token hash for `ttlMs`, so the hot path skips a database
 * read per request. Only grants of active stores are kept: a refusal is never cached, and a store
 * deactivated elsewhere (the CLI, another server) is refused again at most `ttlMs` later.
 */
export class GrantCache {
  private readonly entries = new Map<string, { grant: CachedGrant; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    // Read through `Date` at each call, so tests can move it with vitest's fake Date instead of waiting ttlMs.
    private readonly now: () => number = () => Date.now(),
  ) {}

  get(tokenHash: string): CachedGrant | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry.grant;
    this.entries.delete(tokenHash);
    return undefined;
  }

  set(tokenHash: string, grant: CachedGrant): void {
    if (this.ttlMs <= 0 || !grant.active) return;
    // Maps iterate in insertion order: dropping the first entry drops the oldest.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(tokenHash, { grant, until: this.now() + this.ttlMs });
  }
}
