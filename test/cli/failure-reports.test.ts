import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv } from '../reliability/support-server.js';
import { DIALECTS, freshDatabase } from '../support/databases.js';
import { WAIT_MS, within } from '../support/waiting.js';

/** Runs the built CLI to its end; killed (and reported) if it outlives the waiting bound, so a spinning one cannot stay behind. */
function prodimg(env: NodeJS.ProcessEnv, ...args: string[]) {
  const res = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: WAIT_MS, killSignal: 'SIGKILL' });
  if (res.error || res.signal) throw new Error(`prodimg ${args.join(' ')} did not end within ${WAIT_MS} ms (${res.error?.message ?? res.signal}); stderr: ${res.stderr}`);
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('what the CLI says when it cannot run', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'prodimg-failures-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  // Regression: Node's recursive mkdir retried /proc/nope's ENOENT forever, at full CPU and silent.
  describe.skipIf(!existsSync('/proc/self'))('a data directory that cannot be made (/proc/nope)', () => {
    for (const command of [['serve', '--port', '0'], ['shops', 'list'], ['serve', '--port', '0', '--tls', '--tls-port', '0']]) {
      it(`\`${command.join(' ')}\` exits 2 with one line naming the path`, () => {
        const res = prodimg(cliEnv({ dataDir: '/proc/nope' }), ...command);
        expect(res.status, res.stderr).toBe(2);
        expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(res.stderr).toMatch(/^prodimg: .*\/proc\/nope.*ENOENT/);
        expect(res.stdout).toBe('');
      });
    }

    it('`restore <backup>` exits 2 with one line naming the path', () => {
      const source = cliEnv({ dataDir: join(work, 'backed-up') });
      expect(prodimg(source, 'shops', 'create', 'backedup').status).toBe(0);
      expect(prodimg(source, 'backup', '--out', join(work, 'backup.tar')).status).toBe(0);
      const res = prodimg(cliEnv({ dataDir: '/proc/nope' }), 'restore', join(work, 'backup.tar'));
      expect(res.status, res.stderr).toBe(2);
      expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(res.stderr).toMatch(/^prodimg: .*\/proc\/nope.*ENOENT/);
    });

    it.skipIf(!DIALECTS.includes('postgres'))('`serve` on PostgreSQL too, where the data directory holds the secret key and images', async () => {
      const db = await freshDatabase('postgres');
      try {
        await db.database.close();
        const res = prodimg(cliEnv({ dataDir: '/proc/nope', databaseUrl: db.databaseUrl }), 'serve', '--port', '0');
        expect(res.status, res.stderr).toBe(2);
        expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(res.stderr).toMatch(/^prodimg: .*\/proc\/nope.*ENOENT/);
      } finally {
        await db.drop();
      }
    });
  });

  // Regression: a failure before the first migration step read "database migration unknown failed: ...".
  describe('a DATABASE_URL that cannot be used', () => {
    const cases: Array<{ what: string; url: string; shown: string; cause: RegExp }> = [
      {
        what: 'a port nothing listens on',
        url: 'postgres://postgres:s3cret@127.0.0.1:1/prodimg_nowhere',
        shown: 'postgres://postgres:***@127.0.0.1:1/prodimg_nowhere (DATABASE_URL)',
        cause: /ECONNREFUSED 127\.0\.0\.1:1$/,
      },
    ];
    if (process.env.TEST_DATABASE_URL) {
      const url = new URL(process.env.TEST_DATABASE_URL);
      url.pathname = '/no_such_db_xyz';
      cases.push({ what: 'a database that does not exist', url: url.toString(), shown: `${url.toString()} (DATABASE_URL)`, cause: /database "no_such_db_xyz" does not exist$/ });
    }
    for (const { what, url, shown, cause } of cases) {
      it(`${what}: exit 2, one line naming the database (password hidden) and the cause`, () => {
        const res = prodimg(cliEnv({ dataDir: join(work, 'pg-data'), databaseUrl: url }), 'shops', 'list');
        expect(res.status, res.stderr).toBe(2);
        const lines = res.stderr.trimEnd().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(`prodimg: cannot open the database ${shown}: `);
        expect(lines[0]).toMatch(cause);
        expect(lines[0]).not.toContain('unknown');
        expect(lines[0]).not.toContain('s3cret');
      });
    }
  });

  // Regression: `prodimg audit --json | head -c 300` ended with an unhandled EPIPE and its stack trace.
  it('stops quietly, exit 0, when the reader of its output closes early (`audit --json | head -c 300`)', async () => {
    const env = cliEnv({ dataDir: join(work, 'audited') });
    // 1000 seeded images have no alt text: ~0.5 MB of problems, far past what a pipe buffers.
    expect(prodimg(env, 'seed', '--images', '1000').status).toBe(0);
    const child = spawn(process.execPath, [BIN, 'audit', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    let read = '';
    await within(
      new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          read += chunk.toString();
          if (read.length < 300) return;
          // As `head -c 300` does: take what it needs and close its end of the pipe.
          child.stdout.destroy();
          resolve();
        });
      }),
      'the first 300 bytes of `prodimg audit --json`',
    );
    try {
      expect(await within(exited, '`prodimg audit --json` to exit after its reader closed')).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(read.startsWith('[\n{"shop":"bench"')).toBe(true);
    expect(stderr).toBe('');
  });
});
