import { fileURLToPath } from 'node:url';

/**
 * The README's screenshots (docs/images/*.png) are taken by the browser tests, but written only when
 * asked (`npm run screenshots`, or PRODIMG_SCREENSHOTS=1): a plain `npm test` leaves the work tree
 * clean. Unasked, a test still takes the screenshot (the page must render), into memory.
 */
export const SCREENSHOTS = process.env.PRODIMG_SCREENSHOTS === '1';

/** Options for playwright's `screenshot()`: a path under docs/images/ only when screenshots are asked for. */
export function screenshotTo(name: string): { path?: string } {
  return SCREENSHOTS ? { path: fileURLToPath(new URL(`../../docs/images/${name}`, import.meta.url)) } : {};
}
