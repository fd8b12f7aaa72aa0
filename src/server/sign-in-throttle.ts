import type { FastifyBaseLogger } from 'fastify';
import { DomainError, rateLimited } from '../domain/errors.js';

/** How many wrong keys one address may send in one window before it must wait for the window's end. */
export interface ThrottleLimits {
  failures: number;
  windowMs: number;
  /** The most addresses remembered at once: memory stays bounded whatever the number of senders. */
  maxAddresses: number;
}

/** Admin keys are 256 random bits, so this is about noise and load, not guessing: 10 wrong keys per 15 minutes. */
export const SIGN_IN_LIMITS: ThrottleLimits = Object.freeze({ failures: 10, windowMs: 15 * 60_000, maxAddresses: 10_000 });

/** One address's failures in its current window, which began at its first failure. */
export interface FailureWindow {
  start: number;
  failures: number;
}

/** The whole seconds an address must wait before its next try; 0 when it may try now. Pure, for the table test. */
export function waitSeconds(window: FailureWindow | undefined, now: number, limits: ThrottleLimits): number {
  if (!window || now >= window.start + limits.windowMs || window.failures < limits.failures) return 0;
  return Math.ceil((window.start + limits.windowMs - now) / 1000);
}

/** The window after one more failure at `now`: a new one when there was none or it had ended. Pure. */
export function afterFailure(window: FailureWindow | undefined, now: number, limits: ThrottleLimits): FailureWindow {
  if (!window || now >= window.start + limits.windowMs) return { start: now, failures: 1 };
  return { start: window.start, failures: window.failures + 1 };
}

/**
 * Wrong admin keys counted per client address (request.ip), for the admin page's sign-in and the
 * OAuth consent page's alike. A success does not reset the count: a key limited to one store must
 * not buy more guesses at a full one. In this process's memory: with `--workers N` each worker
 * counts on its own.
 */
export class SignInThrottle {
  private readonly windows = new Map<string, FailureWindow>();

  constructor(
    private readonly limits: ThrottleLimits = SIGN_IN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds before this address may try a key again; 0 when it may. */
  retryAfter(address: string): number {
    return waitSeconds(this.windows.get(address), this.now(), this.limits);
  }

  /** Counts a wrong key; true when this one used up the address's tries (the moment to log a warning, once). */
  failed(address: string): boolean {
    const now = this.now();
    const before = this.windows.get(address);
    if (!before) this.makeRoom(now);
    const after = afterFailure(before, now, this.limits);
    this.windows.set(address, after);
    return after.failures === this.limits.failures;
  }

  private makeRoom(now: number): void {
    if (this.windows.size < this.limits.maxAddresses) return;
    for (const [address, window] of this.windows) if (now >= window.start + this.limits.windowMs) this.windows.delete(address);
    // Still full: forget the oldest window (Map keeps insertion order).
    if (this.windows.size >= this.limits.maxAddresses) this.windows.delete(this.windows.keys().next().value!);
  }
}

/**
 * One sign-in by `address` under the throttle: refused with RateLimited (429, Retry-After) while the
 * address must wait, without trying the key; a wrong key (Unauthorized) is counted, and the failure
 * that uses up the address's tries is logged as a warning (the address, never the key).
 */
export async function throttledSignIn<T>(throttle: SignInThrottle, address: string, log: FastifyBaseLogger, signIn: () => Promise<T>): Promise<T> {
  const wait = throttle.retryAfter(address);
  if (wait > 0) throw rateLimited('too many wrong admin keys from this address', wait);
  try {
    return await signIn();
  } catch (error) {
    if (error instanceof DomainError && error.code === 'Unauthorized' && throttle.failed(address)) {
      log.warn({ address, retryAfter: throttle.retryAfter(address) }, 'admin sign-in: too many wrong keys from this address; refusing it until its window ends');
    }
    throw error;
  }
}
