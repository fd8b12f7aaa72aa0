import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBlobStore } from '../../src/open-blob-store.js';
import { BIN, cliEnv } from '../reliability/support-server.js';
import { type Origin, send, startOrigin } from '../imaging/fixtures/origin-server.js';
import { startApi, type TestApi } from '../support/api.js';
import { withClockAhead } from '../support/clock-ahead.js';
import { DIALECTS } from '../support/databases.js';
import { WAIT_MS } from '../support/waiting.js';

describe.each(DIALECTS)('shops delete and token ids through the CLI on %s', (dialect) => {
  let api: TestApi;
  let origin: Origin;
  const run = (...args: string[]) => {
    const res = spawnSync(process.execPath, [BIN, ...args], {
      env: cliEnv({ dataDir: api.db.dataDir, databaseUrl: api.db.databaseUrl }),
      encoding: 'utf8',
      timeout: WAIT_MS,
    });
    if (res.error) throw new Error(`prodimg ${args.join(' ')}: ${res.error.message}`);
    return { code: res.status, stdout: res.stdout, stderr: res.stderr };
  };

  beforeAll(async () => {
    const [shared, own] = await Promise.all([
      sharp({ create: { width: 12, height: 8, channels: 3, background: '#c33' } }).png().toBuffer(),
      sharp({ create: { width: 9, height: 14, channels: 3, background: '#3a3' } }).png().toBuffer(),
    ]);
    origin = await startOrigin({ '/shared.png': send(shared, 'image/png'), '/own.png': send(own, 'image/png') });
    api = await startApi(dialect, { env: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1' } });
  });
  afterAll(async () => {
    await api?.close();
    await origin?.close();
  });

  it('tokens get a short public id: shown at creation and by tokens list, used by tokens revoke', () => {
    expect(run('shops', 'create', 'tokened').code).toBe(0);
    const created = [run('tokens', 'create', '--shop', 'tokened'), run('tokens', 'create', '--shop', 'tokened', '--scopes', 'read_product', '--rate-limited')];
    const ids = created.map((res) => /^# access token ([0-9a-f]{12}) for tokened/.exec(res.stdout)?.[1]);
    expect(ids.every((id) => id !== undefined)).toBe(true);
    const listed = JSON.parse(run('tokens', 'list', '--shop', 'tokened').stdout) as Array<{ id: string; scopes: string[] }>;
    expect(listed.map((token) => token.id).sort()).toEqual([...ids].sort());
    expect(listed.find((token) => token.id === ids[1])).toMatchObject({ scopes: ['read_product'], rate_limited: true });
    expect(listed.find((token) => token.id === ids[0])).toMatchObject({ scopes: ['read_product', 'write_product', 'read_shop'], rate_limited: false });
    // Any documented scope (issue 23); a newer one is refused, naming it.
    const order = run('tokens', 'create', '--shop', 'tokened', '--scopes', 'read_order,write_themes');
    expect(order.code, order.stderr).toBe(0);
    expect(order.stdout).toMatch(/^# access token [0-9a-f]{12} for tokened \(read_order,write_themes\)/);
    const newer = run('tokens', 'create', '--shop', 'tokened', '--scopes', 'read_order,write_cart_transform');
    expect({ code: newer.code, stderr: newer.stderr.trim() }).toEqual({ code: 1, stderr: expect.stringMatching(/^prodimg: Unknown scope write_cart_transform: /) });
    const orderId = /^# access token ([0-9a-f]{12})/.exec(order.stdout)![1]!;
    expect(run('tokens', 'revoke', orderId).code).toBe(0);
    // Neither the token nor its hash is ever shown again.
    const secret = created[0]!.stdout.trim().split('\n').at(-1)!;
    expect(JSON.stringify(listed)).not.toContain(secret.slice(0, 16));
    expect(Object.keys(listed[0]!).sort()).toEqual(['created_at', 'id', 'rate_limited', 'scopes']);

    expect(run('tokens', 'revoke', ids[0]!).code).toBe(0);
    expect(JSON.parse(run('tokens', 'list', '--shop', 'tokened').stdout).map((token: { id: string }) => token.id)).toEqual([ids[1]]);
    const again = run('tokens', 'revoke', ids[0]!);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('shops create takes the details GET /shop answers, and the default token can read them', async () => {
    const made = run('shops', 'create', 'detailed', '--name', 'Detailed Co', '--email', 'hi@detailed.example', '--currency', 'gbp', '--timezone', '-05:30');
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ subdomain: 'detailed', name: 'Detailed Co', email: 'hi@detailed.example', currency: 'GBP', timezone: '-0530' });
    const token = run('tokens', 'create', '--shop', 'detailed').stdout.trim().split('\n').at(-1)!;
    const shop = (await api.call('GET', 'shop?fields=name,email,currency,timezone', undefined, { 'access-token': token })).json();
    expect(shop).toEqual({ shop: { name: 'Detailed Co', email: 'hi@detailed.example', currency: 'GBP', timezone: '-0530' } });
    const bad = run('shops', 'create', 'baddetails', '--currency', 'dollars', '--timezone', 'Asia/Shanghai');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Currency must be an ISO 4217 code');
    expect(bad.stderr).toContain('Timezone must be a UTC offset');
  });

  it('a revoked token is refused by the API once the auth cache has let go of it', async () => {
    run('shops', 'create', 'revoked');
    const created = run('tokens', 'create', '--shop', 'revoked');
    const token = created.stdout.trim().split('\n').at(-1)!;
    const id = /# access token ([0-9a-f]{12})/.exec(created.stdout)![1]!;
    const host = { host: `revoked.${api.config.baseDomain}` };
    expect((await api.call('GET', 'products/count', undefined, { 'access-token': token, ...host })).statusCode).toBe(200);
    expect(run('tokens', 'revoke', id).code).toBe(0);
    const after = await withClockAhead(api.config.authCacheMs + 1, () => api.call('GET', 'products/count', undefined, { 'access-token': token, ...host }));
    expect(after.statusCode).toBe(401);
  });

  // Regression: there was no way to remove a store.
  it('shops delete removes the store, its products, images and tokens, and the files no other store uses', async () => {
    await api.shops.create('beta');
    const { token: betaToken } = await api.shops.createToken('beta', ['read_product', 'write_product']);
    const betaHost = { 'access-token': betaToken, host: `beta.${api.config.baseDomain}` };
    const alpha = await api.call('POST', 'products', { product: { title: 'A', images: [{ src: origin.url('/shared.png') }, { src: origin.url('/own.png') }] } });
    expect(alpha.statusCode).toBe(200);
    const kept = await api.call('POST', 'products', { product: { title: 'B', images: [{ src: origin.url('/shared.png') }] } }, betaHost);
    expect(kept.statusCode).toBe(200);
    const [sharedPath, ownPath] = alpha.json().product.images.map((image: { path: string }) => image.path) as [string, string];
    const blobs = openBlobStore(api.config, api.db.database);
    expect(await blobs.has(ownPath)).toBe(true);
    const alphaId = (await api.shops.list()).find((shop) => shop.subdomain === 'alpha')!.id;

    const res = run('shops', 'delete', 'alpha');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ deleted: 'alpha', images: 2 });

    expect(await blobs.has(ownPath)).toBe(false);
    expect(await blobs.has(sharedPath)).toBe(true);
    const { db } = api.db.database;
    for (const table of ['products', 'images', 'access_tokens'] as const) {
      expect(await db.selectFrom(table).select('shop_id').where('shop_id', '=', alphaId).execute(), table).toEqual([]);
    }
    expect(JSON.parse(run('shops', 'list').stdout).map((shop: { subdomain: string }) => shop.subdomain)).not.toContain('alpha');
    const betaProduct = kept.json().product;
    const read = await api.call('GET', `products/${betaProduct.id}`, undefined, betaHost);
    expect(read.statusCode).toBe(200);
    expect(read.json().product.images[0].path).toBe(sharedPath);

    const missing = run('shops', 'delete', 'alpha');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('prodimg: No store with subdomain alpha');
  });
});
