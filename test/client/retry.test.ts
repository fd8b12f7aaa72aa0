import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, retryWait } from '../../src/client/retry.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('retryWait: how long before the next attempt, or undefined when the answer stands', () => {
  it.each([
    // status, Retry-After, attempts made before this answer, options, wait
    [429, '1', 0, DEFAULT_RETRY, 1000],
    [503, '2', 2, DEFAULT_RETRY, 2000],
    [429, '0', 0, DEFAULT_RETRY, 0],
    [429, '1.5', 0, DEFAULT_RETRY, 1500],
    [429, ' 3 ', 0, DEFAULT_RETRY, 3000],
    // An HTTP date: the time until then (none when it has passed).
    [503, 'Thu, 01 Jan 2026 00:00:05 GMT', 0, DEFAULT_RETRY, 5000],
    [503, 'Wed, 31 Dec 2025 23:59:00 GMT', 0, DEFAULT_RETRY, 0],
    // None, or none usable: 1, 2, 4 seconds.
    [503, null, 0, DEFAULT_RETRY, 1000],
    [503, null, 2, DEFAULT_RETRY, 4000],
    [429, 'soon', 1, DEFAULT_RETRY, 2000],
    [429, '-1', 0, DEFAULT_RETRY, 1000],
    // Capped, whatever was asked.
    [429, '3600', 0, DEFAULT_RETRY, DEFAULT_RETRY.maxRetryWaitMs],
    [429, '1', 0, { maxRetries: 3, maxRetryWaitMs: 10 }, 10],
    // No retries left, or off.
    [429, '1', 3, DEFAULT_RETRY, undefined],
    [503, '1', 0, { maxRetries: 0, maxRetryWaitMs: 10 }, undefined],
    // Answers that are not "not now".
    [500, '1', 0, DEFAULT_RETRY, undefined],
    [502, null, 0, DEFAULT_RETRY, undefined],
    [422, null, 0, DEFAULT_RETRY, undefined],
  ] as const)('%i with Retry-After %s after %i attempts (%o): %s', (status, retryAfter, attempt, options, wait) => {
    expect(retryWait(status, retryAfter, attempt, options, NOW)).toBe(wait);
  });
});
