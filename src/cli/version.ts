import { readFileSync } from 'node:fs';

/** From package.json, which every install of the package has. */
export const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
