import type { Config } from '../config.js';

/**
 * A stand-in's settings: every request must reach the router (the fast read path would answer
 * before the journal and the faults) and every token be looked up again (a reset may bring back a
 * store a test deactivated).
 */
export function standInConfig(config: Config): Config {
  return Object.freeze({ ...config, readCache: false, authCacheMs: 0 });
}
