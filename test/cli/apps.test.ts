import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmacMatches } from '../../src/domain/oauth-hmac.js';
import { SCOPES } from '../../src/domain/scopes.js';
import { BIN, cliEnv } from '../reliability/support-server.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { WAIT_MS } from '../support/waiting.js';

describe.each(DIALECTS)('prodimg apps on %s', (dialect) => {
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
      'prodimg: Name must be 1 to 100 characters; Redirect URI must be an absolute http(s) URL without a fragment; got "not a url"; ' +
        `Unknown scope read_orders: a scope is one of the platform's documented read_/write_ scopes (${SCOPES.join(', ')}) or one PRODIMG_EXTRA_SCOPES lists`,
    );
  });

  it('registers every documented scope unless --scopes names fewer; a newer scope only when PRODIMG_EXTRA_SCOPES lists it (issue 23)', () => {
    const create = (scopes: string[], extra: Record<string, string> = {}) => {
      const res = spawnSync(process.execPath, [BIN, 'apps', 'create', '--name', 'Cart', '--redirect-uri', 'https://app.example/cb', ...scopes], { env: cliEnv({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, extra }), encoding: 'utf8', timeout: WAIT_MS });
      return { code: res.status, stderr: res.stderr.trim(), app: res.status === 0 ? JSON.parse(res.stdout.trim().split('\n').at(-1)!) : undefined };
    };
    expect(create([]).app.scopes).toEqual([...SCOPES]);
    expect(create(['--scopes', 'read_order,write_shop,read_payment_info']).app.scopes).toEqual(['read_order', 'write_shop', 'read_payment_info']);
    const refused = create(['--scopes', 'read_order,write_cart_transform']);
    expect({ code: refused.code, stderr: refused.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/^prodimg: Unknown scope write_cart_transform: [^\n]+PRODIMG_EXTRA_SCOPES lists$/) });
    expect(create(['--scopes', 'read_order,write_cart_transform'], { PRODIMG_EXTRA_SCOPES: 'write_cart_transform' }).app.scopes).toEqual(['read_order', 'write_cart_transform']);
    expect(create([], { PRODIMG_EXTRA_SCOPES: 'write_cart_transform' }).app.scopes).toEqual([...SCOPES, 'write_cart_transform']);
    // A bad setting stops the command in one line, exit code 2, as every setting does.
    const bad = create([], { PRODIMG_EXTRA_SCOPES: 'write_cart_transform,cart' });
    expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(/^prodimg: PRODIMG_EXTRA_SCOPES must be a comma-separated list of scope names [^\n]+; got "cart"$/) });
  });
});
