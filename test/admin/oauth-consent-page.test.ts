import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goQueryEncode, hmacMatches } from '../../src/domain/oauth-hmac.js';
import { BIN, cliEnv } from '../reliability/support-server.js';
import { startApi, type TestApi } from '../support/api.js';
import { appsOf } from '../support/apps.js';
import { WAIT_MS, waitsTimeout, within } from '../support/waiting.js';

const CHROMIUM = '/usr/bin/chromium';

/**
 * The OAuth install in a real browser (Debian's chromium, headless, driven by playwright-core)
 * against a real server: the merchant follows the app's link to the store's own host
 * (`alpha.myshoplaza.localhost`, which Chromium resolves to this machine), signs in on the consent
 * page with a key limited to the store (made by the CLI), approves, and the app's real callback
 * server receives a code that the token endpoint trades for tokens.
 */
describe.skipIf(!existsSync(CHROMIUM))(`the OAuth consent page in a browser (needs ${CHROMIUM})`, () => {
  let api: TestApi;
  let appServer: Server;
  let browser: Browser;
  let page: Page;
  let key: string;
  let clientId: string;
  let clientSecret: string;
  let redirectUri: string;
  let startUrl: string;
  const callbacks: Array<(url: URL) => void> = [];

  beforeAll(async () => {
    api = await startApi('sqlite');
    const made = spawnSync(process.execPath, [BIN, 'admin-key', 'create', '--name', 'alpha merchant', '--shop', 'alpha'], { env: cliEnv({ dataDir: api.db.dataDir }), encoding: 'utf8', timeout: WAIT_MS });
    expect(made.status, made.stderr).toBe(0);
    key = made.stdout.trim().split('\n').at(-1)!;
    // The app: a start page linking to the store's authorize step, and its callback.
    appServer = createServer((req, res) => {
      const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      if (url.pathname === '/start') {
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<a href="${startUrl}">Install on Alpha</a>`);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('installed');
      for (const arrived of callbacks.splice(0)) arrived(url);
    });
    await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
    const appBase = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
    redirectUri = `${appBase}/callback`;
    ({ app: { client_id: clientId }, clientSecret } = await (await appsOf(api)).create({ name: 'Catalog Sync', redirectUri }));
    const port = new URL(api.base).port;
    startUrl = `http://alpha.myshoplaza.localhost:${port}/admin/oauth/authorize?${goQueryEncode({ client_id: clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'read_product write_product', state: 'xyz' })}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
    page = await browser.newPage();
    page.setDefaultTimeout(WAIT_MS);
  }, waitsTimeout(3));

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await new Promise((resolve) => appServer?.close(resolve));
  }, waitsTimeout(2));

  /** Resolves with the callback URL the app's server receives next. */
  const nextCallback = () => within(new Promise<URL>((resolve) => callbacks.push(resolve)), "the app's callback");

  it(
    'signs in with a store-limited key, approves, and the app gets a code it trades for tokens',
    async () => {
      await page.goto(`${redirectUri.replace('/callback', '/start')}`);
      await page.getByRole('link', { name: 'Install on Alpha' }).click();
      await page.getByRole('heading', { name: 'Sign in to install Catalog Sync on Alpha' }).waitFor();
      await page.getByLabel('Admin key').fill('pia_wrong');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('#sign-in-problem', { hasText: 'That admin key is not valid.' }).waitFor();
      await page.getByLabel('Admin key').fill(key);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Install Catalog Sync on Alpha?' }).waitFor();
      // The session cookie is out of scripts' reach, and is sent on the app's cross-site link (Lax).
      expect(await page.evaluate(() => document.cookie)).toBe('');
      const [cookie] = await page.context().cookies();
      expect(cookie).toMatchObject({ name: 'prodimg_consent', domain: 'alpha.myshoplaza.localhost', path: '/admin/oauth', httpOnly: true, sameSite: 'Lax' });

      const arrived = nextCallback();
      await page.getByRole('button', { name: 'Install app' }).click();
      const callback = await arrived;
      await page.getByText('installed').waitFor();
      const params = Object.fromEntries(callback.searchParams);
      expect(params).toMatchObject({ shop: 'alpha.myshoplaza.localhost', state: 'xyz', code: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(hmacMatches(clientSecret, params)).toBe(true);
      const tokens = await request(`${api.base}/admin/oauth/token`, {
        method: 'POST',
        headers: { host: 'alpha.myshoplaza.localhost', 'content-type': 'application/x-www-form-urlencoded' },
        body: goQueryEncode({ client_id: clientId, client_secret: clientSecret, code: params.code!, grant_type: 'authorization_code', redirect_uri: redirectUri }),
      });
      expect(tokens.statusCode).toBe(200);
      expect(await tokens.body.json()).toMatchObject({ scope: 'read_product,write_product', store_name: 'Alpha' });

      // Coming back from the app's site, the merchant is still signed in: straight to the consent page.
      await page.goto(`${redirectUri.replace('/callback', '/start')}`);
      await page.getByRole('link', { name: 'Install on Alpha' }).click();
      await page.getByRole('heading', { name: 'Install Catalog Sync on Alpha?' }).waitFor();
    },
    waitsTimeout(4),
  );
});
