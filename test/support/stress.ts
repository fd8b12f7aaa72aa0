/**
 * Reliability suites run shortened in `npm test` (and CI) and in full with `npm run test:stress`
 * (PRODIMG_STRESS=1). `scale(short, full)` picks the size for the current mode.
 */
export const STRESS = process.env.PRODIMG_STRESS === '1';

export function scale<T>(short: T, full: T): T {
  return STRESS ? full : short;
}
