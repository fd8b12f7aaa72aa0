import { describe, expect, it } from 'vitest';
import { afterFailure, type FailureWindow, SignInThrottle, type ThrottleLimits, waitSeconds } from '../../src/server/sign-in-throttle.js';

const LIMITS: ThrottleLimits = { failures: 3, windowMs: 60_000, maxAddresses: 2 };

describe('the sign-in throttle arithmetic', () => {
  it.each<[string, FailureWindow | undefined, number, number]>([
    ['no failures yet', undefined, 0, 0],
    ['fewer failures than the limit', { start: 0, failures: 2 }, 10_000, 0],
    ['the limit reached: the rest of the window', { start: 0, failures: 3 }, 10_000, 50],
    ['over the limit, rounded up to whole seconds', { start: 0, failures: 9 }, 59_001, 1],
    ['the window just ended', { start: 0, failures: 9 }, 60_000, 0],
    ['a window long gone', { start: 0, failures: 9 }, 600_000, 0],
  ])('%s: wait %#', (_what, window, now, seconds) => {
    expect(waitSeconds(window, now, LIMITS)).toBe(seconds);
  });

  it.each<[string, FailureWindow | undefined, number, FailureWindow]>([
    ['a first failure opens a window', undefined, 5, { start: 5, failures: 1 }],
    ['one inside the window is counted in it', { start: 5, failures: 1 }, 59_000, { start: 5, failures: 2 }],
    ['one after the window opens a new one', { start: 5, failures: 3 }, 60_005, { start: 60_005, failures: 1 }],
  ])('%s', (_what, window, now, after) => {
    expect(afterFailure(window, now, LIMITS)).toEqual(after);
  });

  it('blocks an address after its tries, says so once, leaves others alone, and forgets the oldest when full', () => {
    let now = 0;
    const throttle = new SignInThrottle(LIMITS, () => now);
    expect([throttle.failed('a'), throttle.failed('a'), throttle.failed('a'), throttle.failed('a')]).toEqual([false, false, true, false]);
    expect(throttle.retryAfter('a')).toBe(60);
    expect(throttle.retryAfter('b')).toBe(0);
    now = 30_000;
    expect(throttle.retryAfter('a')).toBe(30);
    // Two addresses at most: a third pushes out the oldest ("a"), whose wait is then forgotten.
    throttle.failed('b');
    throttle.failed('c');
    expect(throttle.retryAfter('a')).toBe(0);
    now = 60_000;
    expect(throttle.retryAfter('a')).toBe(0);
  });
});
