import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/databases.js';
import { screenshotTo } from '../support/screenshots.js';
import { createShopToken } from '../support/shops.js';
import { WAIT_MS, waitsTimeout } from '../support/waiting.js';
import { cliEnv, type ServeProcess, startServe } from '../reliability/support-server.js';

/**
 * The interactive reference at /docs, in a real browser (Debian's chromium, headless, driven by
 * playwright-core; no browser is downloaded), against a real `prodimg serve`, with every request
 * to anything but this server refused: the page must work offline. Does what the platform
 * reference's console offers: pick a language, enter the Access-Token, fill the path's ids, send,
 * read status, headers and body; and takes the screenshot the README shows
 * (written to docs/images/ only by `npm run screenshots`).
 */

const CHROMIUM = '/usr/bin/chromium';
/**
 * The only store, so the document's default `{subdomain}`: Try It! goes to its address, cross-origin.
 * Not the platform's example `store123` (issue 22: the default was that name whatever the stores were).
 */
const STORE = 'linen-shop';

describe.skipIf(!existsSync(CHROMIUM))(`the API reference at /docs (needs ${CHROMIUM}, which .ci/run installs)`, () => {
  let db: TestDatabase;
  let server: ServeProcess;
  let browser: Browser;
  let page: Page;
  let token: string;
  let product: { id: string; images: Array<{ id: string }> };
  /** Requests the page tried to send anywhere but this server (all refused). */
  const outside: string[] = [];
  /** Requests the page sent to the API. */
  const sent: Array<{ url: string; headers: Record<string, string> }> = [];

  beforeAll(async () => {
    db = await freshDatabase('sqlite');
    token = await createShopToken(db.database, STORE);
    await db.database.close();
    server = await startServe(cliEnv({ dataDir: db.dataDir }));
    const created = await request(`${server.base}/openapi/2022-01/products`, {
      method: 'POST',
      headers: { 'access-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ product: { title: 'Linen Shirt', images: [{ src: 'https://img.example.com/front.jpg', width: 800, height: 600, alt: 'Front' }] } }),
    });
    product = ((await created.body.json()) as { product: typeof product }).product;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(WAIT_MS);
    const port = new URL(server.base).port;
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      const ours = url.port === port && (url.hostname === '127.0.0.1' || url.hostname.endsWith('.myshoplaza.localhost'));
      if (ours) return route.continue();
      outside.push(url.href);
      return route.abort('blockedbyclient');
    });
    page.on('request', (req) => {
      if (req.url().includes('/openapi/2022-01/products/')) sent.push({ url: req.url(), headers: req.headers() });
    });
  }, waitsTimeout(3));

  afterAll(async () => {
    await browser?.close();
    server?.kill();
    await server?.exited;
    await db?.drop().catch(() => {});
  }, waitsTimeout(2));

  it('is named in the start-up log line', () => {
    const listening = server.logs.find((entry) => entry.msg === 'prodimg listening');
    expect(listening).toMatchObject({ docs: `${server.base}/docs` });
  });

  it(
    'loads offline with its icon, offers the languages and the Access-Token, and Try It! answers 200 with the image, then 422 for bad ids',
    async () => {
      // Issue 22: the browser's request for the page's icon was a 404.
      const icon = page.waitForResponse((response) => /\/favicon\.(svg|ico)$/.test(response.url()));
      await page.goto(`${server.base}/docs/`);
      const answered = await icon;
      expect([answered.status(), answered.headers()['content-type']]).toEqual([200, 'image/svg+xml']);
      await page.getByRole('heading', { name: 'Product Image', exact: true }).waitFor();
      // Grouped like the platform's reference, and the image's fields under Models.
      const sidebar = page.locator('aside');
      for (const group of ['Product Image', 'Product', 'Product Variant', 'Access Scope', 'Models']) {
        await expect(sidebar.getByText(group, { exact: true }).first().isVisible()).resolves.toBe(true);
      }
      // Nothing that points at the vendor's services: its AI agent, its developer toolbar (deploy).
      await expect(page.getByText(/Ask AI|Deploy|Developer Tools/i).count()).resolves.toBe(0);
      // The language picker: each tab can be chosen.
      for (const language of ['Node.js', 'Python', 'PHP', 'Ruby', 'Shell']) {
        const tab = page.getByRole('tab', { name: language, exact: true });
        await tab.click();
        await expect(tab.getAttribute('aria-selected')).resolves.toBe('true');
      }
      // Credentials: the Access-Token the requests send.
      await page.getByLabel('Value', { exact: true }).first().fill(token);

      await sidebar.getByText('Get Product Image Details').first().click();
      const section = page.locator('section', { has: page.getByRole('heading', { name: 'Get Product Image Details' }) }).first();
      await section.getByText(`Access-Token: ${token}`).first().waitFor();
      await page.getByRole('button', { name: /Test Request.*get \/openapi\/2022-01\/products\/\{product_id\}\/images\/\{image_id\}/ }).click();

      const idField = (name: string) => page.getByRole('row', { name: `Include ${name} in request` }).getByLabel('Value', { exact: true });
      await idField('product_id').fill(product.id);
      await idField('image_id').fill(product.images[0]!.id);
      await page.getByRole('button', { name: 'Send' }).first().click();
      await page.getByText(/^200 OK/).first().waitFor();
      await page.getByText(`"${product.images[0]!.id}"`).first().waitFor();
      await page.getByText('"Front"').first().waitFor();
      await page.getByRole('button', { name: /Response Headers/ }).or(page.getByText('Response Headers')).first().click();
      await page.getByText(/^request-id$/i).first().waitFor();
      await page.screenshot(screenshotTo('api-reference.png'));

      // The request went to the store's own address, cross-origin, with the token entered above.
      const first = sent[0]!;
      expect(first.url).toBe(`http://${STORE}.myshoplaza.localhost:${new URL(server.base).port}/openapi/2022-01/products/${product.id}/images/${product.images[0]!.id}`);
      expect(first.headers['access-token']).toBe(token);
      expect(first.headers.origin).toBe(server.base);

      await idField('product_id').fill('nope');
      await idField('image_id').fill('42');
      await page.getByRole('button', { name: 'Send' }).first().click();
      await page.getByText(/^422 Unprocessable/).first().waitFor();
      await page.getByText('"ProductId must be a valid UUID"').first().waitFor();
      await page.getByText('"ImageId must be a valid UUID"').first().waitFor();

      expect(outside).toEqual([]);
    },
    waitsTimeout(4),
  );
});
