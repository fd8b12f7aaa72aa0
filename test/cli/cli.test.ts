import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { until, WAIT_MS } from '../support/waiting.js';
import { BIN, cliEnv, startServe } from '../reliability/support-server.js';

const env = (db: TestDatabase) => cliEnv({ dataDir: db.dataDir, databaseUrl: db.databaseUrl });

function run(db: TestDatabase, ...args: string[]) {
  const res = spawnSync(process.execPath, [BIN, ...args], { env: env(db), encoding: 'utf8', timeout: WAIT_MS });
  if (res.error) throw new Error(`prodimg ${args.join(' ')}: ${res.error.message}`);
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('the prodimg CLI', () => {
  describe.each(DIALECTS)('on %s', (dialect) => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await freshDatabase(dialect);
      await db.database.close();
    });
    afterAll(async () => {
      await db.drop().catch(() => {});
    });

    it('creates, lists, deactivates and activates stores', () => {
      const created = run(db, 'shops', 'create', 'store123', '--name', 'Store 123');
      expect(created.code).toBe(0);
      expect(JSON.parse(created.stdout)).toMatchObject({ subdomain: 'store123', name: 'Store 123', active: true });
      expect(run(db, 'shops', 'create', 'store123').code).toBe(1);
      expect(run(db, 'shops', 'create', 'Bad_Name!').stderr).toMatch(/Subdomain must be/);
      expect(JSON.parse(run(db, 'shops', 'deactivate', 'store123').stdout).active).toBe(false);
      expect(JSON.parse(run(db, 'shops', 'activate', 'store123').stdout).active).toBe(true);
      const list = JSON.parse(run(db, 'shops', 'list').stdout);
      expect(list.map((s: { subdomain: string }) => s.subdomain)).toEqual(['store123']);
    });

    it('prints a new token alone on the last line and refuses unknown scopes', () => {
      run(db, 'shops', 'create', 'tokenshop');
      const res = run(db, 'tokens', 'create', '--shop', 'tokenshop', '--scopes', 'read_product,write_product');
      expect(res.code).toBe(0);
      const lines = res.stdout.trim().split('\n');
      expect(lines.at(-1)).toMatch(/^[0-9a-f]{64}$/);
      const bad = run(db, 'tokens', 'create', '--shop', 'tokenshop', '--scopes', 'read_orders');
      expect(bad.code).toBe(1);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    });

    it('serves the API over real HTTP with one log line per request, and stops cleanly on SIGTERM', async () => {
      run(db, 'shops', 'create', 'served');
      const token = run(db, 'tokens', 'create', '--shop', 'served').stdout.trim().split('\n').at(-1)!;
      const { child, base, logs, exited } = await startServe(env(db));
      try {
        const headers = { 'access-token': token, 'content-type': 'application/json' };
        const created = await fetch(`${base}/openapi/2022-01/products`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ product: { title: 'Over HTTP', images: [{ src: 'https://img.example.com/a.jpg', width: 5, height: 6 }] } }),
        });
        expect(created.status).toBe(200);
        expect(created.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
        const product = (await created.json()).product;
        const image = await fetch(`${base}/openapi/2022-01/products/${product.id}/images/${product.images[0].id}`, { headers });
        expect(await image.json()).toEqual({ image: product.images[0] });
        const denied = await fetch(`${base}/openapi/2022-01/products`, { headers: { 'access-token': 'wrong' } });
        expect(denied.status).toBe(401);
        const requests = () => logs.filter((entry) => entry.msg === 'request');
        await until(() => requests().length >= 3, 'three request log lines');
        expect(requests().map((entry) => entry.status)).toEqual([200, 200, 401]);
        expect(requests().every((entry) => typeof entry.reqId === 'string')).toBe(true);
        expect(JSON.stringify(logs)).not.toContain(token);
      } finally {
        child.kill('SIGTERM');
      }
      expect((await exited).code).toBe(0);
      expect(logs.some((entry) => entry.msg === 'stopped')).toBe(true);
    });
  });

  it('runs --workers 2 as two processes sharing the port and the database, and stops them all on SIGTERM', async () => {
    const db = await freshDatabase('sqlite');
    await db.database.close();
    try {
      run(db, 'shops', 'create', 'workers');
      const token = run(db, 'tokens', 'create', '--shop', 'workers').stdout.trim().split('\n').at(-1)!;
      const { child, base, logs, exited } = await startServe(env(db), ['--workers', '2'], 2);
      const headers = { 'access-token': token, 'content-type': 'application/json' };
      const created = await fetch(`${base}/openapi/2022-01/products`, { method: 'POST', headers, body: JSON.stringify({ product: { title: 'W' } }) });
      const { product } = await created.json();
      for (let i = 0; i < 30; i++) {
        const res = await fetch(`${base}/openapi/2022-01/products/${product.id}`, { headers });
        expect(res.status).toBe(200);
      }
      const pids = new Set(logs.filter((entry) => entry.msg === 'request').map((entry) => entry.pid));
      expect(pids.size).toBe(2);
      child.kill('SIGTERM');
      expect((await exited).code).toBe(0);
      expect(logs.filter((entry) => entry.msg === 'stopped')).toHaveLength(2);
    } finally {
      await db.drop();
    }
  });

  it('answers a bad DATABASE_URL or data dir with one line and exit code 2', () => {
    const bad = spawnSync(process.execPath, [BIN, 'shops', 'list'], { env: { ...process.env, DATABASE_URL: 'mysql://localhost/x' }, encoding: 'utf8', timeout: WAIT_MS });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual(['prodimg: DATABASE_URL must be a PostgreSQL URL like postgres://user@host:5432/dbname']);
    const dir = spawnSync(process.execPath, [BIN, 'shops', 'list'], { env: { ...process.env, DATABASE_URL: '', PRODIMG_DATA_DIR: '/etc/hostname/data' }, encoding: 'utf8', timeout: WAIT_MS });
    expect(dir.status).toBe(2);
    expect(dir.stderr.trim().split('\n')).toHaveLength(1);
    expect(dir.stderr).toContain('PRODIMG_DATA_DIR');
    const port = spawnSync(process.execPath, [BIN, 'serve', '--port', 'http'], { encoding: 'utf8', env: { ...process.env, PRODIMG_DATA_DIR: '/tmp/prodimg-port-test' } });
    expect(port.status).toBe(2);
  });

  it('explains every command in --help', () => {
    const top = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8', timeout: WAIT_MS });
    expect(top.status).toBe(0);
    for (const word of ['serve', 'shops', 'tokens', 'PRODIMG_DATA_DIR', 'DATABASE_URL', 'PRODIMG_BASE_DOMAIN']) expect(top.stdout).toContain(word);
    const serveHelp = spawnSync(process.execPath, [BIN, 'serve', '--help'], { encoding: 'utf8', timeout: WAIT_MS });
    expect(serveHelp.stdout).toContain('--port');
    expect(serveHelp.stdout).toContain('--host');
    const tokens = spawnSync(process.execPath, [BIN, 'tokens', 'create', '--help'], { encoding: 'utf8', timeout: WAIT_MS });
    expect(tokens.stdout).toContain('--scopes');
    expect(tokens.stdout).toContain('--shop');
    const usage = spawnSync(process.execPath, [BIN, 'frobnicate'], { encoding: 'utf8', timeout: WAIT_MS });
    expect(usage.status).toBe(2);
  });
});
