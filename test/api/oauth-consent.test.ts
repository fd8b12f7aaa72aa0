import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminAuth } from '../../src/domain/admin-auth.js';
import { systemClock } from '../../src/domain/clock.js';
import { OAUTH_PAGE_CSP } from '../../src/server/oauth-pages.js';
import { KyselyAdminKeyRepository } from '../../src/storage/admin-key-repository.js';
import { startApi, type TestApi } from '../support/api.js';
import { appsOf } from '../support/apps.js';
import { consentBrowser, csrfTokenOf, type PageAnswer } from '../support/consent.js';
import { DIALECTS } from '../support/databases.js';

const ALPHA = 'alpha.myshoplaza.localhost';
const BETA = 'beta.myshoplaza.localhost';
const REDIRECT = 'https://app.example/oauth/callback';
const API = '/__prodimg/admin/api';

/** What a refused decision must never be: a redirect, least of all one carrying a code. */
const noCode = (res: PageAnswer) => {
  expect(res.headers.location).toBeUndefined();
  expect(res.text).not.toMatch(/code=/);
};

describe.each(DIALECTS)('OAuth consent needs a signed-in merchant (issue 22) on %s', (dialect) => {
  let api: TestApi;
  let auth: AdminAuth;
  let asked: Record<string, string>;
  /** Keys: for every store, for alpha only, for beta only. */
  const keys = { full: '', alpha: '', beta: '' };
  let betaId: string;

  beforeAll(async () => {
    api = await startApi(dialect);
    auth = new AdminAuth(new KyselyAdminKeyRepository(api.db.database.db), systemClock);
    const beta = await api.shops.create('beta', { name: 'Beta' });
    betaId = beta.id;
    const alpha = (await api.shops.list()).find((shop) => shop.subdomain === 'alpha')!;
    keys.full = (await auth.createKey('owner')).key;
    keys.alpha = (await auth.createKey('alpha merchant', alpha)).key;
    keys.beta = (await auth.createKey('beta merchant', beta)).key;
    const { app } = await (await appsOf(api)).create({ name: 'Catalog Sync', redirectUri: REDIRECT, scopes: ['read_product', 'write_product'] });
    asked = { client_id: app.client_id, redirect_uri: REDIRECT, response_type: 'code', scope: 'read_product', state: 'st' };
  });
  afterAll(() => api?.close());

  it('refuses the attack of the issue: approve with no session, no token, from https://evil.example, with a 403 page and no code', async () => {
    const attacker = consentBrowser(api.base, ALPHA);
    const attacks: Array<Record<string, string>> = [{ origin: 'https://evil.example' }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, {}];
    for (const headers of attacks) {
      const res = await attacker.decide({ ...asked, decision: 'approve' }, headers);
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.text).toContain('The app was not installed');
      noCode(res);
    }
    // A CSRF token made up, with no session behind it, is no better.
    const forged = await attacker.decide({ ...asked, decision: 'approve', csrf_token: 'f'.repeat(64) });
    expect(forged.status).toBe(403);
    noCode(forged);
  });

  it('shows a sign-in form, then the consent page, each never framed; the cookie is HttpOnly, SameSite=Lax, for /admin/oauth on this host', async () => {
    const merchant = consentBrowser(api.base, ALPHA);
    const first = await merchant.authorize(asked);
    expect(first.status).toBe(200);
    expect(first.text).toContain('<label for="key">Admin key</label>');
    expect(first.text).not.toContain('csrf_token');
    expect(first.headers['content-security-policy']).toBe(OAUTH_PAGE_CSP);
    expect(OAUTH_PAGE_CSP).toContain("frame-ancestors 'none'");
    expect(first.headers['x-frame-options']).toBe('DENY');
    expect(first.headers['cache-control']).toBe('no-store');
    const signedIn = await merchant.signIn(asked, keys.alpha, { origin: `http://${ALPHA}`, 'sec-fetch-site': 'same-origin' });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe(`/admin/oauth/authorize?client_id=${asked.client_id}&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=read_product&response_type=code&state=st`);
    expect(String(signedIn.headers['set-cookie'])).toMatch(/^prodimg_consent=[0-9a-f]{64}; Path=\/admin\/oauth; HttpOnly; SameSite=Lax; Max-Age=28800$/);
    const consent = await merchant.authorize(asked);
    expect(consent.text).toContain('Install Catalog Sync on Alpha?');
    expect(consent.headers['content-security-policy']).toBe(OAUTH_PAGE_CSP);
    expect(consent.headers['x-frame-options']).toBe('DENY');
    const approved = await merchant.decide({ ...asked, decision: 'approve', csrf_token: csrfTokenOf(consent.text) }, { origin: `http://${ALPHA}`, 'sec-fetch-site': 'same-origin' });
    expect(approved.status).toBe(302);
    expect(new URL(String(approved.headers.location)).searchParams.get('code')).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses a CSRF token made for another authorize request, another session, or sent from another site", async () => {
    const merchant = consentBrowser(api.base, ALPHA);
    await merchant.signIn(asked, keys.alpha);
    const other = { ...asked, state: 'another' };
    const otherToken = csrfTokenOf((await merchant.authorize(other)).text);
    const token = csrfTokenOf((await merchant.authorize(asked)).text);
    expect(otherToken).not.toBe(token);
    const wrongRequest = await merchant.decide({ ...asked, decision: 'approve', csrf_token: otherToken });
    expect(wrongRequest.status).toBe(403);
    expect(wrongRequest.text).toContain('its form token does not fit this sign-in and this request');
    noCode(wrongRequest);
    // The same request, approved by the token of another sign-in.
    const second = consentBrowser(api.base, ALPHA);
    await second.signIn(asked, keys.alpha);
    const foreign = await second.decide({ ...asked, decision: 'approve', csrf_token: token });
    expect(foreign.status).toBe(403);
    noCode(foreign);
    // The right session and token, from another site: refused as well.
    const elsewhere: Array<Record<string, string>> = [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { origin: `http://${BETA}` }];
    for (const headers of elsewhere) {
      const res = await merchant.decide({ ...asked, decision: 'approve', csrf_token: token }, headers);
      expect(res.status).toBe(403);
      expect(res.text).toContain('sent from another site');
      noCode(res);
    }
    // A sign-in posted from another site opens no session.
    const framed = consentBrowser(api.base, ALPHA);
    const refused = await framed.signIn(asked, keys.alpha, { origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    expect(refused.headers['set-cookie']).toBeUndefined();
    expect((await merchant.decide({ ...asked, decision: 'approve', csrf_token: token })).status).toBe(302);
  });

  it('lets a key limited to one store approve for that store only; a full key approves for any', async () => {
    // Beta's key on alpha's host: refused at sign-in, with no session.
    const onAlpha = consentBrowser(api.base, ALPHA);
    const refused = await onAlpha.signIn(asked, keys.beta);
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('That key manages another store; sign in with a key for alpha.');
    expect(refused.headers['set-cookie']).toBeUndefined();
    // A session beta's key opened on beta's host, carried to alpha's: still no approval for alpha.
    const onBeta = consentBrowser(api.base, BETA);
    expect((await onBeta.signIn(asked, keys.beta)).status).toBe(303);
    const betaToken = csrfTokenOf((await onBeta.authorize(asked)).text);
    onAlpha.cookie = onBeta.cookie;
    expect((await onAlpha.authorize(asked)).text).toContain('You are signed in with a key for another store');
    const carried = await onAlpha.decide({ ...asked, decision: 'approve', csrf_token: betaToken });
    expect(carried.status).toBe(403);
    expect(carried.text).toContain('the signed-in key manages another store, not alpha');
    noCode(carried);
    // On its own store it approves.
    const approved = await onBeta.decide({ ...asked, decision: 'approve', csrf_token: betaToken });
    expect(approved.status).toBe(302);
    expect(new URL(String(approved.headers.location)).searchParams.get('shop')).toBe(BETA);
    // The full key, on both hosts.
    for (const host of [ALPHA, BETA]) {
      const owner = consentBrowser(api.base, host);
      expect((await owner.signIn(asked, keys.full)).status).toBe(303);
      const res = await owner.decide({ ...asked, decision: 'approve', csrf_token: csrfTokenOf((await owner.authorize(asked)).text) });
      expect(res.status).toBe(302);
      expect(new URL(String(res.headers.location)).searchParams.get('shop')).toBe(host);
    }
  });

  it('refuses a wrong key with 401 and the form again', async () => {
    const res = await consentBrowser(api.base, ALPHA).signIn(asked, 'pia_wrong');
    expect(res.status).toBe(401);
    expect(res.text).toContain('That admin key is not valid.');
    expect(String(res.headers['set-cookie'])).toContain('Max-Age=0');
  });

  it('answers values that are no strings (JSON bodies, repeated query parameters) as absent, never with a 500', async () => {
    const json = async (path: string, body: unknown) => {
      const res = await request(`${api.base}${path}`, { method: 'POST', headers: { host: ALPHA, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.statusCode, text: await res.body.text() };
    };
    const wrongKey = await json('/admin/oauth/sign-in', { ...asked, key: 12345 });
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.text).toContain('That admin key is not valid.');
    expect((await json('/admin/oauth/authorize', { ...asked, decision: 'approve', csrf_token: ['x'] })).status).toBe(403);
    expect((await json('/admin/oauth/authorize', { ...asked, scope: 1 })).status).toBe(302);
    expect((await json('/admin/oauth/token', { grant_type: 'authorization_code', client_id: asked.client_id, client_secret: 'x', code: 7 })).status).toBe(401);
    const repeated = await request(`${api.base}/admin/oauth/authorize?client_id=${asked.client_id}&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code&scope=read_product&scope=write_product`, { headers: { host: ALPHA } });
    expect(repeated.statusCode).toBe(200);
    expect(await repeated.body.text()).toContain('Sign in to install');
  });

  it('keeps a denial working without a sign-in (back to the app with error=access_denied), but not from another site', async () => {
    const visitor = consentBrowser(api.base, ALPHA);
    const denied = await visitor.decide({ ...asked, decision: 'deny' });
    expect(denied.status).toBe(302);
    expect(Object.fromEntries(new URL(String(denied.headers.location)).searchParams)).toEqual({ error: 'access_denied', state: 'st' });
    const crossSite = await visitor.decide({ ...asked, decision: 'deny' }, { 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    noCode(crossSite);
  });

  it("lets a store-limited key's admin session see and change only its store", async () => {
    const signIn = await fetch(`${api.base}${API}/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: keys.alpha }) });
    expect(signIn.status).toBe(200);
    const cookie = String(signIn.headers.get('set-cookie')).split(';')[0]!;
    const { csrf_token: csrf } = (await signIn.json()) as { csrf_token: string };
    const get = (path: string) => fetch(`${api.base}${API}${path}`, { headers: { cookie } });
    const stores = (await (await get('/stores')).json()) as { stores: Array<{ subdomain: string }> };
    expect(stores.stores.map((store) => store.subdomain)).toEqual(['alpha']);
    const alphaId = (await api.shops.list()).find((shop) => shop.subdomain === 'alpha')!.id;
    expect((await get(`/stores/${alphaId}/products`)).status).toBe(200);
    // Beta answers as a store that does not exist would, for reads and writes alike.
    const unknown = await get('/stores/00000000-0000-4000-8000-000000000000/products');
    expect(unknown.status).toBe(404);
    for (const path of [`/stores/${betaId}/products`, `/stores/${betaId}/audit`, `/stores/${betaId}/export?format=csv`, `/stores/${betaId}/products/00000000-0000-4000-8000-000000000000`]) {
      const res = await get(path);
      expect({ path, status: res.status }).toEqual({ path, status: unknown.status });
      expect(await res.json()).toEqual({ errors: ['Record not found'] });
    }
    const write = await fetch(`${api.base}${API}/stores/${betaId}/imports?format=csv`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'text/csv' }, body: 'handle,title\nx,X\n' });
    expect(write.status).toBe(404);
    expect(await auth.listKeys()).toContainEqual({ id: expect.any(String), name: 'alpha merchant', created_at: expect.any(String), shop: 'alpha' });
  });
});
