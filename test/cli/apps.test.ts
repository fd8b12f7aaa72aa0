import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmacMatches } from '../../src/domain/oauth-hmac.js';
import { BIN, BUILT, cliEnv } from '../reliability/support-server.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { WAIT_MS } from '../support/waiting.js';

describe.skipIf(!BUILT).each(DIALECTS)('prodimg apps on %s (needs `npm run build`)', (dialect) => {
  let db: TestDatabase;
  const run = (...args: string[]) => {
    const res = spawnSync(process.execPath, [BIN, ...args], { env: cliEnv({ dataDir: db.dataDir, databaseUrl: db.databaseUrl }), encoding: 'utf8', timeout: WAIT_MS });
    if (res.error) throw res.error;
    return { code: res.status, stdout: res.stdout, stderr: res.stderr };
  };
  beforeAll(async () => {
    db = await freshDatabase(dialect);
  });
  afterAll(() => db?.drop());

  it('creates an app (its secret shown once), lists it, prints an install call the app can verify, uninstalls and deletes it', () => {
    expect(run('shops', 'create', 'alpha').code).toBe(0);
    const created = run('apps', 'create', '--name', 'Catalog Sync', '--redirect-uri', 'https://app.example/cb', '--app-url', 'https://app.example/install', '--scopes', 'read_product,read_shop');
    expect(created.code).toBe(0);
    const app = JSON.parse(created.stdout.trim().split('\n').at(-1)!);
    expect(app).toEqual({
      client_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: 'Catalog Sync',
      redirect_uri: 'https://app.example/cb',
      app_url: 'https://app.example/install',
      scopes: ['read_product', 'read_shop'],
      created_at: expect.any(String),
      client_secret: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const listed = run('apps', 'list').stdout;
    expect(JSON.parse(listed).map((a: { client_id: string }) => a.client_id)).toEqual([app.client_id]);
    expect(listed).not.toContain(app.client_secret);

    const url = new URL(run('apps', 'install-url', '--app', app.client_id, '--shop', 'alpha').stdout.trim());
    expect(`${url.origin}${url.pathname}`).toBe('https://app.example/install');
    const params = Object.fromEntries(url.searchParams);
    expect(params).toMatchObject({ install_from: 'app_store', shop: 'alpha.myshoplaza.localhost', store_id: expect.any(String) });
    expect(hmacMatches(app.client_secret, params)).toBe(true);

    expect(JSON.parse(run('apps', 'uninstall', '--app', app.client_id, '--shop', 'alpha').stdout)).toEqual({ uninstalled: app.client_id, shop: 'alpha', revoked_tokens: 0 });
    expect(run('apps', 'delete', app.client_id).code).toBe(0);
    const missing = run('apps', 'delete', app.client_id);
    expect({ code: missing.code, stderr: missing.stderr.trim() }).toEqual({ code: 1, stderr: `prodimg: No app with client id ${app.client_id}; \`prodimg apps list\` shows them` });
    const bad = run('apps', 'create', '--name', ' ', '--redirect-uri', 'not a url', '--scopes', 'read_orders');
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(
      'prodimg: Name must be 1 to 100 characters; Redirect URI must be an absolute http(s) URL without a fragment; got "not a url"; Scopes must be a comma-separated list of read_product, write_product, read_shop; got "read_orders"',
    );
  });
});
