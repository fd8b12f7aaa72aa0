import { vi } from 'vitest';

/**
 * Runs `then` with the wall clock (`Date`) `ms` ahead, through vitest's fake Date; timers and the
 * monotonic clock stay real. For what expires on `Date.now()` (the auth cache, PRODIMG_AUTH_CACHE_MS):
 * the test moves the clock past the expiry instead of sleeping until it.
 */
export async function withClockAhead<T>(ms: number, then: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + ms, shouldAdvanceTime: true });
  try {
    return await then();
  } finally {
    vi.useRealTimers();
  }
}
