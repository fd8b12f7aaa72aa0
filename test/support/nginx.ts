import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WAIT_MS } from './waiting.js';

/** Debian's nginx (`apt-get install nginx`; .ci/run installs it). */
export const NGINX = '/usr/sbin/nginx';
export const HAS_NGINX = existsSync(NGINX);
export const NGINX_CONF = fileURLToPath(new URL('../../deploy/nginx.conf', import.meta.url));

/**
 * deploy/nginx.conf with the four machine-specific values its header comment names replaced, and
 * nothing else: the upstream, the listen port, the cache folder and the log folder.
 */
export function localNginxConf(upstream: string, port: number, work: string): string {
  const conf = readFileSync(NGINX_CONF, 'utf8');
  const replaced = conf
    .replace(/127\.0\.0\.1:8080/g, upstream)
    .replace(/listen 80;/g, `listen 127.0.0.1:${port};`)
    .replace(/\/var\/cache\/nginx\/prodimg/g, join(work, 'cache'))
    .replace(/\/var\/log\/nginx/g, work);
  for (const original of ['127.0.0.1:8080', 'listen 80;', '/var/cache/nginx/prodimg', '/var/log/nginx']) {
    if (!conf.includes(original)) throw new Error(`deploy/nginx.conf no longer holds ${original}, which the test replaces`);
  }
  return replaced;
}

/** A port nobody listens on right now (nginx needs a number in its file, not port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface NginxProcess {
  base: string;
  child: ChildProcess;
  stderr: string[];
  stop(): Promise<void>;
}

/**
 * Runs nginx in the foreground on `conf` (written to `work`), its pid file, error log and temp files
 * in `work`, never the machine's nginx service. Resolves once it has started its workers (its listen
 * socket is open before that), from its own notice on stderr.
 */
export async function startNginx(conf: string, work: string): Promise<NginxProcess> {
  mkdirSync(join(work, 'cache'), { recursive: true });
  // Run as root, nginx's workers drop to `nobody`: they must write the cache.
  chmodSync(work, 0o777);
  chmodSync(join(work, 'cache'), 0o777);
  const file = join(work, 'nginx.conf');
  writeFileSync(file, conf);
  const globals = `daemon off; pid ${join(work, 'nginx.pid')}; error_log stderr notice;`;
  const child = spawn(NGINX, ['-e', 'stderr', '-p', work, '-c', file, '-g', globals], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nginx did not start within ${WAIT_MS} ms: ${stderr.join('')}`)), WAIT_MS);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr.push(chunk.toString());
      if (/start worker process/.test(stderr.join(''))) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`nginx exited: ${stderr.join('')}`));
    });
  });
  const port = /listen 127\.0\.0\.1:(\d+);/.exec(conf)![1];
  return {
    base: `http://127.0.0.1:${port}`,
    child,
    stderr,
    stop: async () => {
      // SIGQUIT: nginx's graceful stop; its master takes the workers down with it.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
      await exited;
    },
  };
}
