import type { RestartSettings } from '../config.js';

/**
 * When the primary of `prodimg serve --workers N` starts a dead worker again, and when it stops
 * trying: PRODIMG_WORKER_RESTART_MS, PRODIMG_WORKER_RESTART_MAX_MS, PRODIMG_WORKER_MAX_DEATHS and
 * PRODIMG_WORKER_DEATHS_WINDOW_MS (config.ts).
 */
export type AfterDeath =
  | { action: 'restart'; delayMs: number; recent: readonly number[] }
  | { action: 'give-up'; recent: readonly number[] };

/**
 * What to do after a worker's death at `now` (ms on a monotonic clock), given the times of earlier
 * deaths: `recent` is the deaths within the window, this one included, to pass to the next call.
 * Deaths of every worker count together: workers failing one after another are one failing server.
 */
export function afterDeath(earlier: readonly number[], now: number, settings: RestartSettings): AfterDeath {
  const recent = [...earlier.filter((at) => now - at < settings.windowMs), now];
  if (recent.length > settings.maxDeaths) return { action: 'give-up', recent };
  return { action: 'restart', delayMs: Math.min(settings.maxMs, settings.baseMs * 2 ** (recent.length - 1)), recent };
}
