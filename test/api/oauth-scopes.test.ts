import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminAuth } from '../../src/domain/admin-auth.js';
import type { AppService } from '../../src/domain/app-service.js';
import { systemClock } from '../../src/domain/clock.js';
import { DomainError } from '../../src/domain/errors.js';
import { hmacMatches } from '../../src/domain/oauth-hmac.js';
import { SCOPES } from '../../src/domain/scopes.js';
import { KyselyAdminKeyRepository } from '../../src/storage/admin-key-repository.js';
import { startApi, type TestApi } from '../support/api.js';
import { appsOf } from '../support/apps.js';
import { consentBrowser, csrfTokenOf, hiddenFieldsOf } from '../support/consent.js';
import { DIALECTS } from '../support/databases.js';

const STORE_HOST = 'alpha.myshoplaza.localhost';
const REDIRECT = 'https://app.example/oauth/callback';
/** What one of the public apps asks for: a dozen documented scopes, none of them a product scope. */
const DOZEN = ['read_shop', 'write_shop', 'read_collection', 'read_order', 'write_order', 'read_payment_info', 'read_customer', 'write_themes', 'read_script_tags', 'write_script_tags', 'read_price_rules', 'read_finance'];

/** The token endpoint, as the platform's SDK posts it. */
async function exchange(api: TestApi, clientId: string, clientSecret: string, code: string) {
  const form = new URLSearchParams({ client_id: clientId, client_secret: clientSecret, code, grant_type: 'authorization_code', redirect_uri: REDIRECT });
  const res = await request(`${api.base}/admin/oauth/token`, { method: 'POST', headers: { host: STORE_HOST, 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  return { status: res.statusCode, body: JSON.parse(await res.body.text()) };
}

async function handlesOf(api: TestApi, token: string): Promise<string[]> {
  const res = await api.call('GET', 'oauth/access_scopes', undefined, { 'access-token': token });
  expect(res.statusCode).toBe(200);
  return res.json().access_scopes.map((scope: { handle: string }) => scope.handle);
}

/** A merchant's install through the consent page: sign in, read the page, post its own form back with Install app. */
async function install(api: TestApi, adminKey: string, asked: Record<string, string>) {
  const merchant = consentBrowser(api.base, STORE_HOST);
  expect((await merchant.signIn(asked, adminKey)).status).toBe(303);
  const consent = await merchant.authorize(asked);
  expect(consent.status, consent.text).toBe(200);
  const approved = await merchant.decide({ ...hiddenFieldsOf(consent.text), csrf_token: csrfTokenOf(consent.text), decision: 'approve' });
  expect(approved.status, approved.text).toBe(302);
  return { page: consent.text, callback: new URL(String(approved.headers.location)) };
}

describe.each(DIALECTS)('every documented scope, and no empty state (issue 23), on %s', (dialect) => {
  let api: TestApi;
  let apps: AppService;
  let adminKey: string;
  let clientId: string;
  let clientSecret: string;
  beforeAll(async () => {
    api = await startApi(dialect);
    apps = await appsOf(api);
    adminKey = (await new AdminAuth(new KyselyAdminKeyRepository(api.db.database.db), systemClock).createKey('merchant')).key;
    // Registered with no scopes named: it may ask for any documented one, as a platform app does.
    ({ app: { client_id: clientId }, clientSecret } = await apps.create({ name: 'Order Desk', redirectUri: REDIRECT }));
  });
  afterAll(() => api?.close());

  it('registers every documented scope by default: the reference\'s fifteen read/write pairs, write_shop included', async () => {
    const app = (await apps.list()).find((one) => one.client_id === clientId)!;
    expect(app.scopes).toEqual([...SCOPES]);
    expect(app.scopes).toHaveLength(30);
    for (const resource of ['shop', 'themes', 'shop_navigation', 'product', 'collection', 'comments', 'payment_info', 'order', 'customer', 'price_rules', 'gift_cards', 'app_proxy', 'data', 'script_tags', 'finance']) {
      expect(app.scopes, resource).toEqual(expect.arrayContaining([`read_${resource}`, `write_${resource}`]));
    }
  });

  it('installs an app asking for a dozen documented scopes through the consent page; access_scopes lists exactly them', async () => {
    const { page, callback } = await install(api, adminKey, { client_id: clientId, redirect_uri: REDIRECT, response_type: 'code', scope: DOZEN.join(' '), state: 'st' });
    // The page stays readable: one line per resource, read and write together.
    expect(page).toContain('<li><code>read_shop</code> <code>write_shop</code></li>');
    expect(page).toContain('<li><code>read_finance</code></li>');
    const params = Object.fromEntries(callback.searchParams);
    expect(params.state).toBe('st');
    expect(hmacMatches(clientSecret, params)).toBe(true);
    const tokens = await exchange(api, clientId, clientSecret, params.code!);
    expect(tokens.status).toBe(200);
    expect(tokens.body.scope).toBe(DOZEN.join(','));
    expect(await handlesOf(api, tokens.body.access_token)).toEqual(DOZEN);
    // Scopes open no endpoint prodimg does not serve, nor a product one: the refusals are today's.
    const products = await api.call('GET', 'products/count', undefined, { 'access-token': tokens.body.access_token });
    expect({ status: products.statusCode, body: products.json() }).toEqual({ status: 403, body: { errors: ['Forbidden: this action requires the read_product scope'] } });
    expect((await api.call('GET', 'shop', undefined, { 'access-token': tokens.body.access_token })).statusCode).toBe(200);
    expect((await api.call('GET', 'orders', undefined, { 'access-token': tokens.body.access_token })).statusCode).toBe(404);
  });

  it('a token made with only read_order: accepted, listed, and refused on product endpoints as before', async () => {
    const { token, scopes } = await api.shops.createToken('alpha', ['read_order']);
    expect(scopes).toEqual(['read_order']);
    expect(await handlesOf(api, token)).toEqual(['read_order']);
    const res = await api.call('GET', 'products', undefined, { 'access-token': token });
    expect({ status: res.statusCode, body: res.json() }).toEqual({ status: 403, body: { errors: ['Forbidden: this action requires the read_product scope'] } });
    const write = await api.call('POST', 'products', { product: { title: 'No' } }, { 'access-token': token });
    expect(write.statusCode).toBe(403);
  });

  it('refuses a scope newer than the documented ones with invalid_scope naming it, at every step', async () => {
    const asked = { client_id: clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'read_product write_cart_transform', state: 's' };
    const page = await consentBrowser(api.base, STORE_HOST).authorize(asked);
    expect(page.status).toBe(400);
    expect(page.headers.location).toBeUndefined();
    expect(page.text).toContain('Unknown scope write_cart_transform: a scope is one of the platform&#39;s documented');
    expect(page.text).toContain('PRODIMG_EXTRA_SCOPES');
    expect(page.text).toContain('<code>invalid_scope</code>');
    const refusal = await apps.create({ name: 'Cart', redirectUri: REDIRECT, scopes: ['read_product', 'write_cart_transform'] }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DomainError);
    expect((refusal as DomainError).messages).toEqual([expect.stringMatching(/^Unknown scope write_cart_transform: /)]);
    await expect(api.shops.createToken('alpha', ['write_cart_transform'])).rejects.toThrow(/Unknown scope write_cart_transform: /);
  });

  it('a callback without state when the app sent none, its hmac over what is sent; an empty state comes back as sent', async () => {
    const { callback } = await install(api, adminKey, { client_id: clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'read_product' });
    const params = Object.fromEntries(callback.searchParams);
    expect(Object.keys(params).sort()).toEqual(['code', 'hmac', 'shop', 'timestamp']);
    expect(callback.search).not.toContain('state');
    expect(hmacMatches(clientSecret, params)).toBe(true);
    expect((await exchange(api, clientId, clientSecret, params.code!)).status).toBe(200);

    const empty = Object.fromEntries((await install(api, adminKey, { client_id: clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'read_product', state: '' })).callback.searchParams);
    expect(empty.state).toBe('');
    expect(hmacMatches(clientSecret, empty)).toBe(true);

    // Cancel, too, goes back with no state.
    const denied = await consentBrowser(api.base, STORE_HOST).decide({ client_id: clientId, redirect_uri: REDIRECT, response_type: 'code', decision: 'deny' });
    expect(String(denied.headers.location)).toBe(`${REDIRECT}?error=access_denied`);
  });
});

describe.each(DIALECTS)('PRODIMG_EXTRA_SCOPES on %s', (dialect) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(dialect, { env: { PRODIMG_EXTRA_SCOPES: 'write_cart_transform, read_cart_transform', PRODIMG_OAUTH_AUTO_APPROVE: '1' } });
  });
  afterAll(() => api?.close());

  it('lets an app register and install a scope it lists; access_scopes lists it; tokens may carry it', async () => {
    const { app, clientSecret } = await (await appsOf(api)).create({ name: 'Cart', redirectUri: REDIRECT });
    expect(app.scopes.slice(-2)).toEqual(['write_cart_transform', 'read_cart_transform']);
    const query = new URLSearchParams({ client_id: app.client_id, redirect_uri: REDIRECT, response_type: 'code', scope: 'read_product write_cart_transform', state: 's' });
    const res = await request(`${api.base}/admin/oauth/authorize?${query}`, { headers: { host: STORE_HOST } });
    await res.body.text();
    expect(res.statusCode).toBe(302);
    const params = Object.fromEntries(new URL(String(res.headers.location)).searchParams);
    const tokens = await exchange(api, app.client_id, clientSecret, params.code!);
    expect(tokens.body.scope).toBe('read_product,write_cart_transform');
    expect(await handlesOf(api, tokens.body.access_token)).toEqual(['read_product', 'write_cart_transform']);
    expect((await api.call('GET', 'products/count', undefined, { 'access-token': tokens.body.access_token })).statusCode).toBe(200);
    const { token } = await api.shops.createToken('alpha', ['read_cart_transform']);
    expect(await handlesOf(api, token)).toEqual(['read_cart_transform']);
  });
});
