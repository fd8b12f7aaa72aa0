import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WAIT_MS } from './waiting.js';

/** Debian's nginx (`apt-get install nginx`; .ci/run installs it). */
export const NGINX = '/usr/sbin/nginx';
export const HAS_NGINX = existsSync(NGINX);
export { localNginxConf, NGINX_CONF } from '../../bench/lib/nginx-conf.mjs';

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

/** Where the README's commands say the file is; the tests put their copy in a temporary folder instead. */
const README_CONF = '/etc/nginx/prodimg.conf';

/** The `nginx` lines of the README's block under "A caching proxy in front (nginx)", as words. */
export function readmeNginxCommands(): string[][] {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  const section = readme.slice(readme.indexOf('### A caching proxy in front (nginx)'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block
    .split('\n')
    .filter((line) => line.startsWith('nginx '))
    .map((line) => line.split(' '));
}

/**
 * A README `nginx` command's arguments on `conf` written to `work`, plus what keeps the process ours
 * (the README's text says so): in the foreground, its pid file, error log and temp files in `work`.
 */
export function nginxArgs(command: string[], conf: string, work: string): string[] {
  mkdirSync(join(work, 'cache'), { recursive: true });
  // Run as root, nginx's workers drop to `nobody`: they must write the cache.
  chmodSync(work, 0o777);
  chmodSync(join(work, 'cache'), 0o777);
  const file = join(work, 'nginx.conf');
  writeFileSync(file, conf);
  const args = command.slice(1).map((arg) => (arg === README_CONF ? file : arg));
  return [...args, '-p', work, '-e', 'stderr', '-g', `daemon off; pid ${join(work, 'nginx.pid')}; error_log stderr notice;`];
}

/**
 * Runs the README's start command on `conf` (never the machine's nginx service). Resolves once nginx
 * has started its workers (its listen socket is open before that), from its own notice on stderr.
 */
export async function startNginx(command: string[], conf: string, work: string): Promise<NginxProcess> {
  const child = spawn(NGINX, nginxArgs(command, conf, work), { stdio: ['ignore', 'ignore', 'pipe'] });
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
