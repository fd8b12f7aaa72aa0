// deploy/nginx.conf made to run on this machine: the one rule the nginx test (test/support/nginx.ts)
// and the bench (scenario 11) share, so both run the file users copy.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NGINX_CONF = fileURLToPath(new URL('../../deploy/nginx.conf', import.meta.url));

/** The four machine-specific values the file's header comment names, and their local replacement. */
const LOCAL_VALUES = [
  ['127.0.0.1:8080', (local) => local.upstream],
  ['listen 80;', (local) => `listen 127.0.0.1:${local.port};`],
  ['/var/cache/nginx/prodimg', (local) => join(local.work, 'cache')],
  ['/var/log/nginx', (local) => local.work],
];

/**
 * deploy/nginx.conf with those four values replaced, and nothing else: the upstream (`host:port`),
 * the listen port, the cache folder and the log folder (both in `work`).
 * @param {string} upstream @param {number} port @param {string} work @returns {string}
 */
export function localNginxConf(upstream, port, work) {
  const conf = readFileSync(NGINX_CONF, 'utf8');
  let replaced = conf;
  for (const [original, local] of LOCAL_VALUES) {
    if (!conf.includes(original)) throw new Error(`deploy/nginx.conf no longer holds ${original}, which the tests and the bench replace`);
    replaced = replaced.split(original).join(local({ upstream, port, work }));
  }
  return replaced;
}
