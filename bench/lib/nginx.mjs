// Debian's nginx as a measured system: deploy/nginx.conf in front of prodimg, or a bare static server.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localNginxConf } from './nginx-conf.mjs';
import { freePort, startServer } from './proc.mjs';

export const NGINX = '/usr/sbin/nginx';

/** Why nginx cannot be measured here, or null. */
export function nginxUnavailable() {
  return existsSync(NGINX) ? null : `no ${NGINX} (apt-get install nginx; .ci/run installs it)`;
}

/** Starts nginx on `conf` (a function of the port) in `work`, in the foreground, stopped by its pid. */
async function startNginx(name, work, conf) {
  mkdirSync(join(work, 'cache'), { recursive: true });
  // Run as root, nginx's workers drop to `nobody`: they must read and write here.
  chmodSync(work, 0o777);
  chmodSync(join(work, 'cache'), 0o777);
  const port = await freePort();
  const file = join(work, 'nginx.conf');
  writeFileSync(file, conf(port));
  const args = ['-c', file, '-p', work, '-e', 'stderr', '-g', `daemon off; pid ${join(work, 'nginx.pid')}; error_log stderr warn;`];
  const server = await startServer({ name, command: NGINX, args, port });
  server.base = `http://127.0.0.1:${port}`;
  return server;
}

/** deploy/nginx.conf, unchanged but for its four local values, in front of the prodimg at `upstreamBase`. */
export function startProxy(upstreamBase, work) {
  return startNginx('nginx proxy', work, (port) => localNginxConf(upstreamBase.replace('http://', ''), port, work));
}

/**
 * The same nginx serving the files of `root` as static files, with the caching headers prodimg's
 * /cdn sends and an access log like the proxy's: what a CDN node holding the file itself would do.
 */
export function startStatic(root, work) {
  return startNginx('nginx static', work, (port) =>
    [
      'worker_processes auto;',
      'events { worker_connections 1024; }',
      'http {',
      `  access_log ${join(work, 'static.access.log')};`,
      '  server {',
      `    listen 127.0.0.1:${port};`,
      `    location / { root ${root}; add_header Cache-Control "public, max-age=31536000, immutable"; }`,
      '  }',
      '}',
      '',
    ].join('\n'),
  );
}
