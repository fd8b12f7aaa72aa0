import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceUninstall } from '../../src/cli/app-uninstalled.js';
import { AdminAuth } from '../../src/domain/admin-auth.js';
import { systemClock } from '../../src/domain/clock.js';
import { goQueryEncode, hmacMatches } from '../../src/domain/oauth-hmac.js';
import type { AppService } from '../../src/domain/app-service.js';
import { KyselyAdminKeyRepository } from '../../src/storage/admin-key-repository.js';
import { startApi, type TestApi } from '../support/api.js';
import { consentBrowser, csrfTokenOf } from '../support/consent.js';
import { appsOf } from '../support/apps.js';
import { DIALECTS } from '../support/databases.js';
import { WAIT_MS, within } from '../support/waiting.js';

const STORE_HOST = 'alpha.myshoplaza.localhost';
const REDIRECT = 'https://app.example/oauth/callback?from=prodimg';

/** An app's side of the install: what the platform's OAuth SDK sends, over real HTTP to the store's host. */
function client(api: TestApi) {
  const send = async (method: 'GET' | 'POST', path: string, body?: string, type = 'application/x-www-form-urlencoded', host = STORE_HOST) => {
    const res = await request(`${api.base}${path}`, { method, headers: { host, ...(body !== undefined ? { 'content-type': type } : {}) }, ...(body !== undefined ? { body } : {}) });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  };
  const api_ = async (token: string, path: string) => {
    const res = await request(`${api.base}/openapi/2022-01/${path}`, { headers: { 'access-token': token } });
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
  };
  return {
    send,
    authorize: (query: Record<string, string>, host?: string) => send('GET', `/admin/oauth/authorize?${goQueryEncode(query)}`, undefined, undefined, host),
    token: (form: Record<string, string>) => send('POST', '/admin/oauth/token', goQueryEncode(form)),
    api: api_,
    /** Polls (an event: the token's 401) until the token is refused, or fails after WAIT_MS naming what was awaited. */
    async untilRefused(token: string, what: string) {
      const deadline = Date.now() + WAIT_MS;
      while ((await api_(token, 'products/count')).status !== 401) {
        if (Date.now() > deadline) throw new Error(`waited ${WAIT_MS} ms for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

describe.each(DIALECTS)('the OAuth install flow on %s', (dialect) => {
  let api: TestApi;
  let apps: AppService;
  let clientId: string;
  let clientSecret: string;
  let adminKey: string;
  beforeAll(async () => {
    api = await startApi(dialect, { env: { PRODIMG_OAUTH_TOKEN_TTL_SECONDS: '2' } });
    apps = await appsOf(api);
    adminKey = (await new AdminAuth(new KyselyAdminKeyRepository(api.db.database.db), systemClock).createKey('merchant')).key;
    ({ app: { client_id: clientId }, clientSecret } = await apps.create({ name: 'Catalog Sync', redirectUri: REDIRECT, scopes: ['read_product', 'write_product', 'read_shop'] }));
  });
  afterAll(() => api.close());

  it('installs an app: consent, callback with a valid hmac, code for tokens, API calls, refresh, uninstall', async () => {
    const app = client(api);
    // The SDK's authorize URL: scopes joined by a space (a +), a state with characters Go escapes differently from JavaScript.
    const state = 'a b~c*!';
    const asked = { client_id: clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'read_product write_product', state };
    // The merchant signs in on the store's host with an admin key, then sees the consent page.
    const merchant = consentBrowser(api.base, STORE_HOST);
    expect((await merchant.authorize(asked)).text).toContain('Sign in to install Catalog Sync on Alpha');
    expect((await merchant.signIn(asked, adminKey)).status).toBe(303);
    const consent = await merchant.authorize(asked);
    expect(consent.status).toBe(200);
    expect(consent.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(consent.text).toContain('Install Catalog Sync on Alpha?');
    expect(consent.text).toContain('<code>read_product</code>');
    expect(consent.text).not.toContain('read_shop');
    // The merchant approves: the form posts the same request back, with its CSRF token.
    const approved = await merchant.decide({ ...asked, csrf_token: csrfTokenOf(consent.text), decision: 'approve' });
    expect(approved.status).toBe(302);
    const callback = new URL(String(approved.headers.location));
    expect(`${callback.origin}${callback.pathname}`).toBe('https://app.example/oauth/callback');
    const params = Object.fromEntries(callback.searchParams);
    expect(params).toMatchObject({ from: 'prodimg', shop: STORE_HOST, state });
    expect(params.code).toMatch(/^[0-9a-f]{64}$/);
    expect(params.timestamp).toMatch(/^\d{10}$/);
    // The check the SDK makes: hex HMAC-SHA256 over every other parameter in Go's encoding.
    expect(hmacMatches(clientSecret, params)).toBe(true);

    const exchanged = await app.token({ client_id: clientId, client_secret: clientSecret, code: params.code!, grant_type: 'authorization_code', redirect_uri: REDIRECT });
    expect(exchanged.status).toBe(200);
    expect(exchanged.headers['cache-control']).toBe('no-store');
    const tokens = JSON.parse(exchanged.text);
    const store = (await api.shops.list()).find((shop) => shop.subdomain === 'alpha')!;
    expect(tokens).toEqual({
      token_type: 'Bearer',
      access_token: expect.stringMatching(/^[0-9a-f]{64}$/),
      refresh_token: expect.stringMatching(/^[0-9a-f]{64}$/),
      expires_at: expect.any(Number),
      expires_in: 2,
      store_id: store.id,
      store_name: 'Alpha',
      scope: 'read_product,write_product',
      created_at: expect.any(Number),
      locale: 'en-US',
    });
    expect(Number.isInteger(tokens.expires_at) && tokens.expires_at > tokens.created_at).toBe(true);

    // The issued token works with exactly the granted scopes, and fills its app's rate-limit bucket.
    const products = await app.api(tokens.access_token, 'products/count');
    expect(products.status).toBe(200);
    expect(products.headers['x-shoplazza-api-call-limit']).toBe('1/40');
    expect(JSON.parse((await app.api(tokens.access_token, 'oauth/access_scopes')).body)).toEqual({ access_scopes: [{ handle: 'read_product' }, { handle: 'write_product' }] });
    expect((await app.api(tokens.access_token, 'shop')).status).toBe(403);

    // A code works once.
    const again = await app.token({ client_id: clientId, client_secret: clientSecret, code: params.code!, grant_type: 'authorization_code', redirect_uri: REDIRECT });
    expect({ status: again.status, body: JSON.parse(again.text) }).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'code is unknown, used or expired' } });

    // The access token expires (2 s here); the refresh token gets a new one, once.
    await app.untilRefused(tokens.access_token, 'the access token to expire');
    const refreshed = await app.token({ client_id: clientId, client_secret: clientSecret, grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refreshed.status).toBe(200);
    const fresh = JSON.parse(refreshed.text);
    expect(fresh.access_token).not.toBe(tokens.access_token);
    expect(fresh.scope).toBe('read_product,write_product');
    expect((await app.api(fresh.access_token, 'products/count')).status).toBe(200);
    const reused = await app.token({ client_id: clientId, client_secret: clientSecret, grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(JSON.parse(reused.text)).toEqual({ error: 'invalid_grant', error_description: 'refresh_token is unknown, used or expired' });

    // Uninstalling revokes the token and its refresh token (this server trusts a checked token for PRODIMG_AUTH_CACHE_MS, 200 ms here).
    // Both access tokens go: the expired one and the refreshed one.
    expect(await apps.uninstall(clientId, 'alpha')).toBe(2);
    await app.untilRefused(fresh.access_token, 'the uninstalled app to lose its access');
    const afterUninstall = await app.token({ client_id: clientId, client_secret: clientSecret, grant_type: 'refresh_token', refresh_token: fresh.refresh_token });
    expect(afterUninstall.status).toBe(400);
  }, WAIT_MS * 3);

  it('refuses what it must, on a page and without redirecting anywhere the app did not register', async () => {
    const app = client(api);
    const asked = { client_id: clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'read_product', state: 's' };
    const cases: Array<[Record<string, string>, string | undefined, string]> = [
      [{ ...asked, client_id: 'nope' }, undefined, 'no app has the client_id &#34;nope&#34;'],
      [{ ...asked, redirect_uri: 'https://evil.example/cb' }, undefined, 'redirect_uri &#34;https://evil.example/cb&#34; is not the one registered for Catalog Sync'],
      [{ ...asked, scope: 'read_product read_order write_themes' }, undefined, 'Catalog Sync did not register the scopes read_order, write_themes (it registered read_product, write_product, read_shop)'],
      [{ ...asked, scope: 'read_product read_orders' }, undefined, 'Unknown scope read_orders: a scope is one of the platform&#39;s documented read_/write_ scopes'],
      [{ ...asked, response_type: 'token' }, undefined, 'response_type must be &#34;code&#34;; got &#34;token&#34;'],
      [asked, '127.0.0.1', "open this page on the store&#39;s own address"],
      [asked, 'nobody.myshoplaza.localhost', 'there is no active store nobody.myshoplaza.localhost'],
    ];
    for (const [query, host, message] of cases) {
      const res = await app.authorize(query, host);
      expect(res.status, message).toBe(400);
      expect(res.headers.location, message).toBeUndefined();
      expect(res.text, message).toContain(message);
    }
    const denied = await app.send('POST', '/admin/oauth/authorize', goQueryEncode({ ...asked, decision: 'deny' }));
    expect(denied.status).toBe(302);
    expect(Object.fromEntries(new URL(String(denied.headers.location)).searchParams)).toEqual({ from: 'prodimg', error: 'access_denied', state: 's' });
    const badSecret = await app.token({ client_id: clientId, client_secret: 'wrong', code: 'x', grant_type: 'authorization_code', redirect_uri: REDIRECT });
    expect({ status: badSecret.status, body: JSON.parse(badSecret.text) }).toEqual({ status: 401, body: { error: 'invalid_client', error_description: 'client_id or client_secret is wrong' } });
    const badGrant = await app.token({ client_id: clientId, client_secret: clientSecret, grant_type: 'password' });
    expect(JSON.parse(badGrant.text).error).toBe('unsupported_grant_type');
    // JSON bodies are accepted too.
    const json = await app.send('POST', '/admin/oauth/token', JSON.stringify({ client_id: clientId, client_secret: clientSecret, grant_type: 'authorization_code', code: 'nope', redirect_uri: REDIRECT }), 'application/json');
    expect(JSON.parse(json.text)).toEqual({ error: 'invalid_grant', error_description: 'code is unknown, used or expired' });
  });
});

describe('PRODIMG_OAUTH_AUTO_APPROVE=1', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi('sqlite', { env: { PRODIMG_OAUTH_AUTO_APPROVE: '1' } });
  });
  afterAll(() => api.close());

  it('redirects the authorize request at once, as if the merchant had approved', async () => {
    const { app, clientSecret } = await (await appsOf(api)).create({ name: 'Unattended', redirectUri: 'http://127.0.0.1:9/cb' });
    const res = await client(api).authorize({ client_id: app.client_id, redirect_uri: 'http://127.0.0.1:9/cb', response_type: 'code', scope: 'read_product', state: 'x' });
    expect(res.status).toBe(302);
    const params = Object.fromEntries(new URL(String(res.headers.location)).searchParams);
    expect(hmacMatches(clientSecret, params)).toBe(true);
    const tokens = await client(api).token({ client_id: app.client_id, client_secret: clientSecret, code: params.code!, grant_type: 'authorization_code', redirect_uri: 'http://127.0.0.1:9/cb' });
    expect(JSON.parse(tokens.text).scope).toBe('read_product');
  });
});

describe.each(DIALECTS)('uninstalling an app on %s', (dialect) => {
  let api: TestApi;
  let listener: Server;
  const received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
  let arrived: () => void = () => {};
  beforeAll(async () => {
    api = await startApi(dialect, { env: { PRODIMG_OAUTH_AUTO_APPROVE: '1', PRODIMG_ALLOW_PRIVATE_SOURCES: '1' } });
    listener = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.end('ok');
        arrived();
      });
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await api?.close();
    await new Promise((resolve) => listener?.close(resolve));
  });

  it("sends app/uninstalled, signed with the app's secret, to that app's own subscriptions, which then go", async () => {
    const apps = await appsOf(api);
    const { app, clientSecret } = await apps.create({ name: 'Hooked', redirectUri: 'https://app.example/cb' });
    const authorized = await client(api).authorize({ client_id: app.client_id, redirect_uri: 'https://app.example/cb', response_type: 'code', scope: 'read_product', state: 's' });
    const code = new URL(String(authorized.headers.location)).searchParams.get('code')!;
    const tokens = JSON.parse((await client(api).token({ client_id: app.client_id, client_secret: clientSecret, code, grant_type: 'authorization_code', redirect_uri: 'https://app.example/cb' })).text);
    const address = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/hooks`;
    const subscribe = (token: string, path: string) => api.call('POST', 'webhooks', { topic: 'app/uninstalled', address: `${address}/${path}` }, { 'access-token': token });
    expect((await subscribe(tokens.access_token, 'app')).statusCode).toBe(200);
    // A subscription of another caller (a CLI token) to the same topic: not told of this app's uninstall.
    expect((await subscribe(api.token, 'other')).statusCode).toBe(200);

    const delivered = new Promise<void>((resolve) => (arrived = resolve));
    await apps.uninstall(app.client_id, 'alpha', announceUninstall(api.db.database, api.config.baseDomain, systemClock));
    await within(delivered, 'the app/uninstalled delivery');
    const [delivery] = received;
    expect(delivery!.headers['x-shoplazza-topic']).toBe('app/uninstalled');
    expect(delivery!.headers['x-shoplazza-hmac-sha256']).toBe(createHmac('sha256', clientSecret).update(delivery!.body).digest('base64'));
    expect(JSON.parse(delivery!.body)).toMatchObject({ shop: { name: 'Alpha', domain: 'alpha.myshoplaza.localhost' } });
    const deliveries = await api.db.database.db.selectFrom('webhook_deliveries').select(['topic', 'address']).where('topic', '=', 'app/uninstalled').execute();
    expect(deliveries).toEqual([{ topic: 'app/uninstalled', address: `${address}/app` }]);
    // The app's subscriptions went with it; the other caller's stays.
    expect((await api.call('GET', 'webhooks')).json().webhooks.map((hook: { address: string }) => hook.address)).toEqual([`${address}/other`]);
  });
});
