import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { BIN, cliEnv, type ServeProcess, startServe } from '../reliability/support-server.js';
import { DIALECTS, freshDatabase } from '../support/databases.js';
import { WAIT_MS, within } from '../support/waiting.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function run(env: NodeJS.ProcessEnv, ...args: string[]) {
  const res = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: WAIT_MS });
  if (res.error) throw new Error(`prodimg ${args.join(' ')}: ${res.error.message}`);
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Sends `signal` to the start command and waits for the server behind it to be gone: its output
 * closes only when every process holding it (npm, npm's shell, the server) has exited.
 */
async function stopsOn(server: ServeProcess, signal: NodeJS.Signals): Promise<void> {
  try {
    server.child.kill(signal);
    await within(server.outputClosed, `the server (pid ${server.pid}) to exit after ${signal} to its start command`);
    expect(alive(server.pid)).toBe(false);
    expect(server.logs.some((entry) => entry.msg === 'stopped')).toBe(true);
  } finally {
    if (alive(server.pid)) process.kill(server.pid, 'SIGKILL');
    server.kill();
  }
}

describe('prodimg start and stop', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'prodimg-lifecycle-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints its version', () => {
    const res = run(process.env, '--version');
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe(VERSION);
  });

  // Regression: npm ran the script through `sh -c`; on SIGTERM npm and the shell exited and the
  // server kept listening with parent PID 1.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`npm start stops gracefully on ${signal}`, async () => {
      const server = await startServe(cliEnv({ dataDir }), [], 1, { command: { file: 'npm', args: ['start', '--'], cwd: ROOT } });
      await stopsOn(server, signal);
    });
  }

  describe('a failed listen touches nothing', () => {
    let taken: Server;
    let port: number;
    beforeAll(async () => {
      taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      port = (taken.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

    // Regression: the data directory was created and migrated, and "startup sweep done" logged after the error.
    it.each([
      ['a port in use', () => ['--port', String(port)], /^prodimg: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE$/],
      ['an address not on this machine', () => ['--host', '203.0.113.9', '--port', '0'], /^prodimg: cannot listen on 203\.0\.113\.9:0: EADDRNOTAVAIL$/],
    ])('%s: one line, exit code 2, no data directory', (_name, args, line) => {
      const fresh = join(dataDir, `never-${Math.random().toString(36).slice(2)}`);
      const res = run(cliEnv({ dataDir: fresh }), 'serve', ...args());
      expect(res.code).toBe(2);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr.trim()).toMatch(line);
      expect(res.stdout).not.toContain('startup sweep');
      expect(existsSync(fresh)).toBe(false);
    });
  });

  // Regression: with a read-only folder for image files the server started and answered every
  // ingesting write with a 500; a read-only data directory got "unable to open database file".
  for (const [name, mounted] of [
    ['the data directory', (dir: string) => dir],
    ['the image files folder', (dir: string) => join(dir, 'images')],
  ] as const) {
    it(`refuses to start when ${name} is read-only: one line, exit code 2`, (ctx) => {
      const dir = join(dataDir, `read-only-${Math.random().toString(36).slice(2)}`);
      const env = cliEnv({ dataDir: dir });
      expect(run(env, 'shops', 'create', 'frozen').code).toBe(0);
      mkdirSync(join(dir, 'images'), { recursive: true });
      const target = mounted(dir);
      // Tests run as root, which writes through file modes: only a read-only mount stops it.
      const bind = spawnSync('mount', ['--bind', target, target], { encoding: 'utf8' });
      if (bind.status !== 0) return ctx.skip(`cannot make a read-only mount here: ${(bind.stderr || bind.error?.message || '').trim()}`);
      try {
        const ro = spawnSync('mount', ['-o', 'remount,bind,ro', target], { encoding: 'utf8' });
        if (ro.status !== 0) return ctx.skip(`cannot remount read-only here: ${ro.stderr.trim()}`);
        const res = run({ ...env, PRODIMG_INGEST: 'fetch' }, 'serve', '--port', '0');
        expect(res.code).toBe(2);
        expect(res.stderr.trim().split('\n')).toEqual([`prodimg: PRODIMG_DATA_DIR (${target}) is read-only; the server needs to write there`]);
        expect(res.stdout).not.toContain('prodimg listening');
      } finally {
        spawnSync('umount', [target]);
      }
    });
  }

  it.runIf(DIALECTS.includes('postgres'))('refuses to start on a read-only PostgreSQL session: one line, exit code 2', async () => {
    const db = await freshDatabase('postgres');
    await db.database.close();
    try {
      const url = new URL(db.databaseUrl!);
      url.searchParams.set('options', '-c default_transaction_read_only=on');
      const res = run(cliEnv({ dataDir: db.dataDir, databaseUrl: url.toString() }), 'serve', '--port', '0');
      expect(res.code).toBe(2);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toMatch(/DATABASE_URL.*read-only|read-only.*DATABASE_URL/);
    } finally {
      await db.drop();
    }
  });

  it('shops create --if-not-exists succeeds again with the same store', () => {
    const env = cliEnv({ dataDir: join(dataDir, 'shops') });
    const first = run(env, 'shops', 'create', 'again', '--name', 'Again', '--if-not-exists');
    expect(first.code).toBe(0);
    const second = run(env, 'shops', 'create', 'again', '--name', 'Other', '--if-not-exists');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual(JSON.parse(first.stdout));
    expect(run(env, 'shops', 'create', 'again').code).toBe(1);
    expect(JSON.parse(run(env, 'shops', 'list').stdout)).toHaveLength(1);
  });
});

describe('a CLI call loads only what it runs', () => {
  // Regression: every call imported the server (Fastify, sharp, undici, both database drivers): ~1.9 s a call.
  it('the static imports of dist/cli/main.js reach no server, image or database library', () => {
    const reached = new Set<string>();
    const seen = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const match of readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)) {
        const spec = (match[1] ?? match[2])!;
        if (spec.startsWith('.')) walk(join(file, '..', spec));
        else reached.add(spec);
      }
    };
    walk(join(ROOT, 'dist/cli/main.js'));
    expect(seen.size).toBeGreaterThan(3);
    expect([...reached].filter((name) => !name.startsWith('node:'))).toEqual(['commander']);
  });

  it('PRODIMG_AUTH_CACHE_MS and PRODIMG_BLOB_CACHE_MB name the range they accept, 0 included', () => {
    expect(loadConfig({ PRODIMG_AUTH_CACHE_MS: '0' }).authCacheMs).toBe(0);
    expect(() => loadConfig({ PRODIMG_AUTH_CACHE_MS: '-1' })).toThrow('PRODIMG_AUTH_CACHE_MS must be an integer from 0 to 3600000; got "-1"');
    expect(() => loadConfig({ PRODIMG_BLOB_CACHE_MB: 'x' })).toThrow('PRODIMG_BLOB_CACHE_MB must be an integer from 0 to 65536; got "x"');
  });
});
