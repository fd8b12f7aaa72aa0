import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, startServe } from '../reliability/support-server.js';
import { DIALECTS, freshDatabase } from '../support/databases.js';
import { WAIT_MS, within } from '../support/waiting.js';

const SEED_YAML = `shops:
  - subdomain: alpha
    name: Alpha
    tokens:
      - token: fixed-token
        scopes: [read_product, write_product]
    products:
      - title: Shirt
        images:
          - src: https://cdn.example.com/shirt.jpg
            width: 800
            height: 600
faults:
  - method: GET
    path: /openapi/2022-01/products/count
    status: 503
`;

/** The environment of a stand-in started the way a non-Node app's suite would: no PRODIMG_DATA_DIR, no DATABASE_URL. */
function bareEnv(tmp: string): NodeJS.ProcessEnv {
  const { DATABASE_URL: _d, PRODIMG_DATA_DIR: _p, PRODIMG_INGEST: _i, ...rest } = process.env;
  return { ...rest, TMPDIR: tmp };
}

describe('prodimg serve in stand-in mode', () => {
  let dir: string;
  let tmp: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'prodimg-cli-stand-in-'));
    tmp = mkdtempSync(join(tmpdir(), 'prodimg-cli-stand-in-tmp-'));
    writeFileSync(join(dir, 'fixtures.yaml'), SEED_YAML);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  it('--seed: logs its url and tokens, serves the seed offline, resets, and leaves no data behind when stopped', async () => {
    const server = await startServe(bareEnv(tmp), ['--seed', join(dir, 'fixtures.yaml')]);
    try {
      const line = server.logs.find((entry) => entry.msg === 'prodimg listening') as unknown as { url: string; shops: unknown };
      expect(line.url).toBe(server.base);
      expect(line.shops).toEqual([{ subdomain: 'alpha', tokens: ['fixed-token'] }]);
      expect(readdirSync(tmp)).toHaveLength(1);
      const headers = { 'Access-Token': 'fixed-token' };
      // The seed's fault answers first, then the seed's product is there as sent (no download: offline).
      const busy = await fetch(`${line.url}/openapi/2022-01/products/count`, { headers });
      expect([busy.status, await busy.json()]).toEqual([503, { errors: ['Service Unavailable: the server is busy, retry shortly'] }]);
      const products = (await (await fetch(`${line.url}/openapi/2022-01/products`, { headers })).json()) as { products: Array<{ title: string; images: Array<{ src: string; width: number }> }> };
      expect(products.products.map((product) => [product.title, product.images[0]!.src, product.images[0]!.width])).toEqual([['Shirt', 'https://cdn.example.com/shirt.jpg', 800]]);
      const created = await fetch(`${line.url}/openapi/2022-01/products`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: '{"product":{"title":"Hat"}}' });
      expect(created.status).toBe(200);
      expect((await fetch(`${line.url}/__prodimg/reset`, { method: 'POST' })).status).toBe(200);
      expect(await (await fetch(`${line.url}/__prodimg/requests`)).json()).toEqual({ requests: [], dropped: 0 });
      expect((await fetch(`${line.url}/openapi/2022-01/products/count`, { headers })).status).toBe(503);
      expect(await (await fetch(`${line.url}/openapi/2022-01/products/count`, { headers })).json()).toEqual({ count: 1 });
    } finally {
      server.child.kill('SIGTERM');
      await within(server.outputClosed, 'the stand-in to stop');
    }
    expect(server.logs.some((entry) => entry.msg === 'stopped')).toBe(true);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('without --allow-reset or --seed there is no /__prodimg', async () => {
    const data = mkdtempSync(join(tmpdir(), 'prodimg-cli-plain-'));
    const server = await startServe(cliEnv({ dataDir: data }));
    try {
      const res = await fetch(`${server.base}/__prodimg/reset`, { method: 'POST' });
      expect([res.status, await res.json()]).toEqual([404, { errors: ['Not Found'] }]);
    } finally {
      server.kill();
      rmSync(data, { recursive: true, force: true });
    }
  });

  it('refuses, in one line with exit code 2: a bad seed, --workers, a bad --random-seed', () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ shops: [{ subdomain: 'alpha', tokens: [{ token: 'x', scopes: ['read_product'] }] }] }));
    const cases: Array<[string[], string]> = [
      [['--seed', join(dir, 'bad.json')], `prodimg: ${join(dir, 'bad.json')}: shops[0].tokens[0].token: expected string length greater or equal to 8, got "x"\n`],
      [['--seed', join(dir, 'fixtures.yaml'), '--workers', '2'], 'prodimg: stand-in mode (--seed, --allow-reset) keeps its journal and faults in one process: leave out --workers\n'],
      [['--allow-reset', '--random-seed', 'abc'], 'prodimg: --random-seed must be a whole number, got "abc"\n'],
    ];
    for (const [args, stderr] of cases) {
      const res = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', ...args], { env: bareEnv(tmp), encoding: 'utf8', timeout: WAIT_MS });
      expect([res.status, res.stderr], args.join(' ')).toEqual([2, stderr]);
    }
    expect(readdirSync(tmp)).toEqual([]);
  });

  describe.each(DIALECTS)('with a database named by the environment (%s)', (dialect) => {
    it('seeds an empty one, and refuses one that holds stores', async () => {
      const db = await freshDatabase(dialect);
      try {
        const env = cliEnv({ dataDir: db.dataDir, databaseUrl: db.databaseUrl });
        const server = await startServe(env, ['--seed', join(dir, 'fixtures.yaml'), '--random-seed', '5']);
        try {
          const res = await fetch(`${server.base}/openapi/2022-01/products`, { headers: { 'Access-Token': 'fixed-token' } });
          expect(((await res.json()) as { products: unknown[] }).products).toHaveLength(1);
        } finally {
          server.child.kill('SIGTERM');
          await within(server.outputClosed, 'the stand-in to stop');
        }
        // Its stores are still there (the database is the user's): a second start refuses to wipe them.
        const again = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--allow-reset'], { env, encoding: 'utf8', timeout: WAIT_MS });
        const where = dialect === 'postgres' ? 'the database at DATABASE_URL' : `PRODIMG_DATA_DIR (${db.dataDir})`;
        expect([again.status, again.stderr]).toEqual([2, `prodimg: ${where} already holds 1 store(s); a stand-in starts from an empty database (a reset would delete them)\n`]);
      } finally {
        await db.drop();
      }
    });
  });
});
