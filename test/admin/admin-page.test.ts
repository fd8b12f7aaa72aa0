import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Origin, send, startOrigin } from '../imaging/fixtures/origin-server.js';
import { BIN, cliEnv } from '../reliability/support-server.js';
import { startApi, type TestApi } from '../support/api.js';
import { screenshotTo } from '../support/screenshots.js';
import { WAIT_MS, waitsTimeout } from '../support/waiting.js';

/**
 * The admin page at /admin in a real browser (Debian's chromium, headless, driven by playwright-core;
 * nothing downloaded), against a real server and SQLite database, with images downloaded from a local
 * origin: signs in with a key made by the CLI, sees the store's audit, opens a product, reorders by drag
 * and drop and by keyboard, sees a missing alt text reported and then gone once written, edits an alt
 * text, adds an image by URL and by upload, deletes one, imports a file of products and exports
 * the store, runs axe-core, and checks that the API answers what the page did. Takes the screenshots
 * the README shows (written to docs/images/ only by `npm run screenshots`).
 */

const CHROMIUM = '/usr/bin/chromium';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const swatch = (background: string, width = 480, height = 360) => sharp({ create: { width, height, channels: 3, background } }).png().toBuffer();

describe.skipIf(!existsSync(CHROMIUM))(`the admin page at /admin (needs ${CHROMIUM})`, () => {
  let api: TestApi;
  let origin: Origin;
  let browser: Browser;
  let page: Page;
  let key: string;
  let product: { id: string; images: Array<{ id: string }> };
  /** Requests the page tried to send anywhere but this server (all refused). */
  const outside: string[] = [];

  const item = (id: string) => page.locator(`#image-${id}`);
  const order = () => page.locator('#gallery > li').evaluateAll((items) => items.map((li) => li.getAttribute('data-id')));
  const announced = (text: string) => page.locator('#announcer', { hasText: text }).waitFor({ state: 'attached' });

  beforeAll(async () => {
    origin = await startOrigin({
      '/red.png': send(await swatch('#c62828'), 'image/png'),
      '/green.png': send(await swatch('#2e7d32'), 'image/png'),
      '/blue.png': send(await swatch('#1565c0'), 'image/png'),
      '/gold.png': send(await swatch('#f9a825', 360, 480), 'image/png'),
    });
    api = await startApi('sqlite', { env: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1' } });
    const made = spawnSync(process.execPath, [BIN, 'admin-key', 'create', '--name', 'browser test'], { env: cliEnv({ dataDir: api.db.dataDir }), encoding: 'utf8', timeout: WAIT_MS });
    expect(made.status).toBe(0);
    key = made.stdout.trim().split('\n').at(-1)!;
    const created = await api.call('POST', 'products', {
      product: {
        title: 'Striped Linen Towel',
        images: [
          { src: origin.url('/red.png'), alt: 'Red towel, folded' },
          { src: origin.url('/green.png'), alt: 'Green towel, hanging' },
          { src: origin.url('/blue.png'), alt: '' },
        ],
      },
    });
    expect(created.statusCode).toBe(200);
    product = created.json().product;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
    // Tall enough for the whole gallery: a drag from one image to another happens without scrolling.
    page = await browser.newPage({ viewport: { width: 1280, height: 2000 } });
    page.setDefaultTimeout(WAIT_MS);
    const port = new URL(api.base).port;
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1' && url.port === port) return route.continue();
      outside.push(url.href);
      return route.abort('blockedbyclient');
    });
  }, waitsTimeout(3));

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await origin?.close();
  }, waitsTimeout(2));

  it(
    'signs in, reorders by drag and drop and by keyboard, edits alt text, adds by URL and by upload, deletes, and the API agrees',
    async () => {
      const [red, green, blue] = product.images.map((entry) => entry.id) as [string, string, string];
      await page.goto(`${api.base}/admin`);
      await page.getByLabel('Admin key').waitFor();
      await page.getByLabel('Admin key').fill('pia_wrong');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('#sign-in-error', { hasText: 'not valid' }).waitFor();
      await page.getByLabel('Admin key').fill(key);
      await page.screenshot(screenshotTo('admin-sign-in.png'));
      await page.getByLabel('Admin key').press('Enter');

      await page.getByRole('link', { name: 'Alpha (alpha)' }).click();
      // The store-wide audit lists the worst first: the blue towel's missing alt text is an error.
      const missingAlt = 'Error: The image has no alt text.';
      await page.locator('#store-audit-list li', { hasText: missingAlt }).waitFor();
      expect(await page.locator('#store-audit-list li').first().textContent()).toContain(missingAlt);
      // Issue 22: each finding says which product and which image, with its thumbnail, and links to the product.
      const finding = page.locator('#store-audit-list li', { hasText: missingAlt });
      expect(await finding.textContent()).toBe(`Striped Linen Towel, image 3: ${missingAlt} Fix: Write alt text that says what the image shows. (missing_alt)`);
      expect(await finding.locator('img').getAttribute('src')).toMatch(/\/cdn\/[0-9a-f]{32}_160x\.png$/);
      // Waits for the thumbnail to load (decode() rejects if it cannot): the CDN answers it.
      await expect(finding.locator('img').evaluate(async (node) => { await (node as HTMLImageElement).decode(); return (node as HTMLImageElement).naturalWidth; })).resolves.toBe(160);
      expect(await finding.getByRole('link', { name: 'Striped Linen Towel, image 3' }).getAttribute('href')).toMatch(new RegExp(`/products/${product.id}$`));
      await expect(page.locator('#store-audit-none').textContent()).resolves.toMatch(/^1 error, \d+ warnings?\.$/);
      await page.getByLabel('Search products by title').fill('linen');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.locator('#product-list').getByRole('link', { name: 'Striped Linen Towel' }).click();
      await page.getByRole('heading', { level: 1, name: 'Striped Linen Towel' }).waitFor();
      expect(await order()).toEqual([red, green, blue]);
      await expect(item(red).locator('dd').allTextContents()).resolves.toEqual([expect.stringMatching(/ B$| KiB$/), '480 × 360 px', 'PNG', 'open full size']);
      expect(await item(red).locator('img').getAttribute('src')).toMatch(/\/cdn\/[0-9a-f]{32}_160x\.png$/);

      // Drag and drop, by the thumbnails (the middle of an item may be its alt text field, which selects text instead):
      // blue onto red (to position 1), then green onto red (to position 2).
      const thumb = (id: string) => item(id).locator('img.thumb');
      await thumb(blue).dragTo(thumb(red));
      await announced('Image 3 moved to position 1.');
      expect(await order()).toEqual([blue, red, green]);
      await thumb(green).dragTo(thumb(red));
      await announced('Image 3 moved to position 2.');
      expect(await order()).toEqual([blue, green, red]);

      // Keyboard: blue down one; focus stays on the moved image's button.
      await item(blue).getByRole('button', { name: 'Move down image 1' }).focus();
      await page.keyboard.press('Enter');
      await announced('Image 1 moved to position 2.');
      expect(await order()).toEqual([green, blue, red]);
      expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Move down image 2');
      expect(await page.evaluate(() => document.activeElement?.closest('li')?.getAttribute('data-id'))).toBe(blue);

      // The audit shows the missing alt text beside the image and in the product's list, until it is written.
      await expect(item(blue).locator('.problems').textContent()).resolves.toContain(missingAlt);
      await page.locator('#audit-list li', { hasText: `Image 2: ${missingAlt}` }).waitFor();
      await page.locator('#audit-list li', { hasText: `Image 2: ${missingAlt}` }).getByRole('link', { name: 'Image 2' }).click();
      expect(await page.evaluate(() => document.activeElement?.id)).toBe(`alt-${blue}`);

      // Inline alt text.
      await page.getByLabel('Alt text for image 2').fill('Blue towel on a chair');
      await page.getByLabel('Alt text for image 2').press('Enter');
      await announced('Alt text of image 2 saved.');
      await expect(page.locator('#audit-list').textContent()).resolves.not.toContain(missingAlt);
      await expect(item(blue).locator('.problems').textContent()).resolves.not.toContain(missingAlt);

      // By URL: a failure in words first, then one that works.
      await page.getByLabel('Image URL').fill(origin.url('/missing.png'));
      await page.getByRole('button', { name: 'Add image' }).click();
      await page.locator('#add-url-error', { hasText: 'Src could not be downloaded: the server answered 404' }).waitFor();
      await page.getByLabel('Image URL').fill(origin.url('/gold.png'));
      await page.locator('#add-url-alt').fill('Gold towel, rolled');
      await page.getByRole('button', { name: 'Add image' }).click();
      await announced('Image added at position 4.');

      // A file from the computer.
      await page.getByLabel('Image file').setInputFiles({ name: 'white.png', mimeType: 'image/png', buffer: await swatch('#eeeeee', 200, 200) });
      await page.locator('#upload-alt').fill('White towel, flat');
      await page.getByRole('button', { name: 'Upload image' }).click();
      await announced('Image uploaded at position 5.');
      await expect(item((await order())[4]!).locator('dd').nth(1).textContent()).resolves.toBe('200 × 200 px');

      // Delete, with a cancel first, then the confirmation.
      await page.getByRole('button', { name: 'Delete image 3' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
      expect(await page.locator('#gallery > li').count()).toBe(5);
      await page.getByRole('button', { name: 'Delete image 3' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
      await announced('Image 3 deleted.');
      expect(await page.locator('#gallery > li').count()).toBe(4);

      const results = await runAxe(page);
      expect(results.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')).toEqual([]);
      await page.getByLabel('Alt text for image 2').focus();
      await page.screenshot({ ...screenshotTo('admin-gallery.png'), fullPage: true });

      const answered = (await api.call('GET', `products/${product.id}/images`)).json().images as Array<{ id: string; alt: string; position: number }>;
      expect(answered.map((entry) => [entry.position, entry.alt])).toEqual([
        [1, 'Green towel, hanging'],
        [2, 'Blue towel on a chair'],
        [3, 'Gold towel, rolled'],
        [4, 'White towel, flat'],
      ]);
      expect(answered.slice(0, 2).map((entry) => entry.id)).toEqual([green, blue]);
      expect(outside).toEqual([]);
    },
    waitsTimeout(4),
  );

  it(
    'imports a file through the page, follows its progress to the end, downloads the report, and exports the store',
    async () => {
      const shopId = (await api.shops.list()).find((shop) => shop.subdomain === 'alpha')!.id;
      await page.goto(`${api.base}/admin#/stores/${shopId}`);
      await page.getByRole('heading', { level: 2, name: 'Import and export' }).waitFor();
      const file = [
        'Handle,Title,Image Src,Image Alt Text',
        `bath-towel,Bath Towel,${origin.url('/red.png')},Red bath towel`,
        `bath-towel,,${origin.url('/gold.png')},Gold bath towel`,
        `hand-towel,Hand Towel,${origin.url('/missing.png')},`,
        `face-cloth,Face Cloth,${origin.url('/green.png')},Green face cloth`,
      ].join('\n');
      await page.getByLabel('Products file').setInputFiles({ name: 'towels.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
      await page.getByRole('button', { name: 'Import' }).click();
      await announced('Import of towels.csv started.');
      const status = page.getByRole('status').filter({ hasText: 'Import of towels.csv finished' });
      await status.waitFor();
      expect(await status.textContent()).toBe('Import of towels.csv finished: 2 created, 0 updated, 1 failed. The report lists 1 failed row.');
      const bar = page.getByRole('progressbar', { name: 'Import progress' });
      expect(await bar.evaluate((node) => [(node as HTMLProgressElement).value, (node as HTMLProgressElement).max])).toEqual([3, 3]);
      // The list is brought up to date with what the import made.
      await page.locator('#product-list').getByRole('link', { name: 'Bath Towel' }).waitFor();

      const report = await downloaded(page.getByRole('link', { name: 'Download the report of failed rows (CSV)' }));
      expect(report.name).toBe('alpha-import-report.csv');
      expect(report.text).toMatch(/^line,handle,reason\n4,hand-towel,.*the server answered 404/);

      const exported = await downloaded(page.getByRole('link', { name: 'Export CSV' }));
      expect(exported.name).toBe('alpha-products.csv');
      expect(exported.text).toMatch(/^Handle,Title,/);
      expect(exported.text).toContain('bath-towel,Bath Towel,');
      const lines = await downloaded(page.getByRole('link', { name: 'Export JSON Lines' }));
      expect(lines.name).toBe('alpha-products.jsonl');
      expect(lines.text.trim().split('\n').map((line) => (JSON.parse(line) as { handle: string }).handle)).toEqual(expect.arrayContaining(['bath-towel', 'face-cloth']));

      const results = await runAxe(page);
      expect(results.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')).toEqual([]);
      await page.locator('#transfer').screenshot(screenshotTo('admin-import.png'));
      const listed = (await api.call('GET', 'products?fields=handle,images')).json().products as Array<{ handle: string; images: unknown[] }>;
      expect(listed.find((entry) => entry.handle === 'bath-towel')?.images).toHaveLength(2);
      expect(listed.map((entry) => entry.handle)).not.toContain('hand-towel');
      expect(outside).toEqual([]);
    },
    waitsTimeout(4),
  );

  // Issue 22: a file refused as a whole showed as a finished, full progress bar.
  it(
    'shows an import of a file that cannot be read (a CSV without a Handle column) as an error, with no progress bar',
    async () => {
      const shopId = (await api.shops.list()).find((shop) => shop.subdomain === 'alpha')!.id;
      await page.goto(`${api.base}/admin#/stores/${shopId}`);
      await page.getByRole('heading', { level: 2, name: 'Import and export' }).waitFor();
      await page.getByLabel('Products file').setInputFiles({ name: 'no-handle.csv', mimeType: 'text/csv', buffer: Buffer.from('Title,Image Src\nTowel,https://img.example.com/a.png\n') });
      await page.getByRole('button', { name: 'Import' }).click();
      const alert = page.getByRole('alert').filter({ hasText: 'Import of no-handle.csv failed' });
      await alert.waitFor();
      expect(await alert.textContent()).toBe('Import of no-handle.csv failed: the CSV has no Handle column (its header is: Title, Image Src)');
      await expect(page.getByRole('progressbar', { name: 'Import progress' }).isVisible()).resolves.toBe(false);
      await expect(page.getByRole('button', { name: 'Import' }).isEnabled()).resolves.toBe(true);
      const results = await runAxe(page);
      expect(results.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')).toEqual([]);
    },
    waitsTimeout(2),
  );

  // Issue 22: a hand-typed address with a bad id showed `params/shop must match format "uuid"`, and an
  // unknown store's id the sign-in form.
  it(
    'shows "Not found" for an address whose store or product id is malformed or names nothing',
    async () => {
      const shopId = (await api.shops.list()).find((shop) => shop.subdomain === 'alpha')!.id;
      const missing = '0b7c1a52-3d4e-4f60-8a7b-9c0d1e2f3a4b';
      for (const hash of [`#/stores/not-a-store`, `#/stores/${missing}`, `#/stores/${shopId}/products/42`, `#/stores/${shopId}/products/${missing}`]) {
        // From the list of stores each time: the heading must be this address's answer, not the last one's.
        await page.goto(`${api.base}/admin#/`);
        await page.getByRole('heading', { level: 1, name: 'Stores' }).waitFor();
        await page.goto(`${api.base}/admin${hash}`);
        await page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();
        expect(await page.getByRole('alert').filter({ hasText: 'Not found' }).textContent()).toBe('Not found: no store or product has the id in this address.');
        await expect(page.getByText('must match format').count()).resolves.toBe(0);
      }
      const results = await runAxe(page);
      expect(results.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')).toEqual([]);
      await page.getByRole('link', { name: 'Back to the stores' }).click();
      await page.getByRole('link', { name: 'Alpha (alpha)' }).waitFor();
    },
    waitsTimeout(4),
  );

  it('the sign-in page passes axe-core too, and its icon answers', async () => {
    const fresh = await browser.newPage();
    try {
      // Issue 22: the browser's request for the page's icon was a 404.
      const icon = fresh.waitForResponse((response) => /\/favicon\.(svg|ico)$/.test(response.url()));
      await fresh.goto(`${api.base}/admin`);
      const answered = await icon;
      expect([answered.status(), answered.headers()['content-type']]).toEqual([200, 'image/svg+xml']);
      await fresh.getByLabel('Admin key').waitFor();
      const results = await runAxe(fresh);
      expect(results.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')).toEqual([]);
    } finally {
      await fresh.close();
    }
  });
});

/** Clicks a download link and reads what the browser saved, with the name it was saved as. */
async function downloaded(link: Locator): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([link.page().waitForEvent('download'), link.click()]);
  const path = await download.path();
  return { name: download.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

async function runAxe(page: Page): Promise<Array<{ id: string; impact: string | null; nodes: unknown[] }>> {
  // Evaluated through the debugging protocol: the page's CSP refuses an injected <script>, as it should.
  await page.evaluate(readFileSync(AXE, 'utf8'));
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: () => Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown }> }> }> } }).axe;
    const { violations } = await axe.run();
    return violations.map((violation) => ({ id: violation.id, impact: violation.impact, nodes: violation.nodes.map((node) => node.target) }));
  });
}
