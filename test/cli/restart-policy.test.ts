import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { afterDeath } from '../../src/cli/restart-policy.js';

const settings = { baseMs: 100, maxMs: 1000, maxDeaths: 4, windowMs: 10_000 };

describe('afterDeath: when the primary starts a dead worker again, and when it gives up', () => {
  it.each([
    { case: 'the first death: the base delay', earlier: [], now: 50_000, expected: { action: 'restart', delayMs: 100 } },
    { case: 'the second in the window: doubled', earlier: [49_000], now: 50_000, expected: { action: 'restart', delayMs: 200 } },
    { case: 'the fourth: 800', earlier: [45_000, 47_000, 49_000], now: 50_000, expected: { action: 'restart', delayMs: 800 } },
    { case: 'deaths older than the window are forgotten', earlier: [30_000, 39_999, 40_001], now: 50_000, expected: { action: 'restart', delayMs: 200 } },
    { case: 'one death more than tolerated: give up', earlier: [41_000, 43_000, 45_000, 47_000], now: 50_000, expected: { action: 'give-up' } },
  ])('$case', ({ earlier, now, expected }) => {
    const next = afterDeath(earlier, now, settings);
    expect(next).toMatchObject(expected);
    expect(next.recent.at(-1)).toBe(now);
  });

  it('never waits longer than the cap', () => {
    const many = { ...settings, maxDeaths: 100 };
    let recent: readonly number[] = [];
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const next = afterDeath(recent, i, many);
      if (next.action !== 'restart') throw new Error('gave up');
      delays.push(next.delayMs);
      recent = next.recent;
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 1000]);
  });

  it('is set by PRODIMG_WORKER_* (config.ts), whose cap may not be under the base delay', () => {
    expect(loadConfig({}).workerRestarts).toEqual({ baseMs: 1000, maxMs: 30_000, maxDeaths: 5, windowMs: 60_000 });
    const env = { PRODIMG_WORKER_RESTART_MS: '50', PRODIMG_WORKER_RESTART_MAX_MS: '200', PRODIMG_WORKER_MAX_DEATHS: '3', PRODIMG_WORKER_DEATHS_WINDOW_MS: '5000' };
    expect(loadConfig(env).workerRestarts).toEqual({ baseMs: 50, maxMs: 200, maxDeaths: 3, windowMs: 5000 });
    expect(() => loadConfig({ PRODIMG_WORKER_RESTART_MS: '5000', PRODIMG_WORKER_RESTART_MAX_MS: '1000' })).toThrow(
      new ConfigError('PRODIMG_WORKER_RESTART_MAX_MS must be at least PRODIMG_WORKER_RESTART_MS (5000); got "1000"'),
    );
  });
});
