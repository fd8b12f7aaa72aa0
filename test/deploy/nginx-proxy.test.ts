import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '../imaging/fixtures/images.js';
import { type Origin, send, startOrigin } from '../imaging/fixtures/origin-server.js';
import { cliEnv, type ServeProcess, startServe } from '../reliability/support-server.js';
import { freshDatabase, type TestDatabase } from '../support/databases.js';
import { freePort, HAS_NGINX, localNginxConf, NGINX, nginxArgs, type NginxProcess, readmeNginxCommands, startNginx } from '../support/nginx.js';
import { createShopToken } from '../support/shops.js';
import { WAIT_MS, within } from '../support/waiting.js';

/** prodimg's Content-Security-Policy on /cdn answers (routes/cdn.ts): nginx must keep it, from the cache too. */
const CDN_CSP = "default-src 'none'; sandbox";

const SKIP = !HAS_NGINX ? 'no /usr/sbin/nginx (apt-get install nginx; .ci/run does)' : '';

/**
 * deploy/nginx.conf in front of a real `prodimg serve`, run by Debian's nginx: /cdn/ answers are
 * cached (prodimg sees one request per variant, and per Accept class for `?format=auto`), the API
 * is not. What prodimg saw is counted from its own request log lines.
 */
describe.skipIf(SKIP !== '')(`deploy/nginx.conf, with Debian's nginx${SKIP ? ` (skipped: ${SKIP})` : ''}`, () => {
  let db: TestDatabase;
  let origin: Origin;
  let server: ServeProcess;
  let nginx: NginxProcess;
  let work: string;
  let token: string;
  let productPath: string;
  let original: string;
  let conf: string;
  let marks = 0;

  async function get(path: string, headers: Record<string, string> = {}) {
    const res = await request(`${nginx.base}${path}`, { headers: { 'access-token': token, ...headers } });
    const body = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, headers: res.headers, body };
  }

  /**
   * How many requests for `url` prodimg has logged. First a marker request straight to prodimg, and
   * its log line awaited: every request answered before it has logged its line by then.
   */
  async function seen(url: string): Promise<number> {
    const mark = `/healthz?mark=${(marks += 1)}`;
    const logged = () => server.logs.some((entry) => entry.msg === 'request' && entry.url === mark);
    const wait = new Promise<void>((resolve) => {
      const check = () => (logged() ? resolve() : server.child.stdout!.once('data', () => setImmediate(check)));
      check();
    });
    await request(`${server.base}${mark}`).then((res) => res.body.dump());
    await within(wait, `prodimg's log line for ${mark}`);
    return server.logs.filter((entry) => entry.msg === 'request' && entry.url === url).length;
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'prodimg-nginx-'));
    origin = await startOrigin({ '/photo.jpg': send(await makeJpeg(800, 600), 'image/jpeg') });
    db = await freshDatabase('sqlite');
    token = await createShopToken(db.database, 'edge');
    server = await startServe(cliEnv({ dataDir: db.dataDir, extra: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1', PRODIMG_LOG_LEVEL: 'info' } }));
    conf = localNginxConf(server.base.replace('http://', ''), await freePort(), work);
    nginx = await startNginx(readmeNginxCommands()[1]!, conf, work);
    const created = await request(`${nginx.base}/openapi/2022-01/products`, {
      method: 'POST',
      headers: { 'access-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ product: { title: 'behind nginx', images: [{ src: origin.url('/photo.jpg') }] } }),
    });
    const text = await created.body.text();
    expect(created.statusCode, text).toBe(200);
    const product = JSON.parse(text).product;
    productPath = `/openapi/2022-01/products/${product.id}`;
    original = product.images[0].path;
    // Host passed through: the (protocol-relative) src prodimg builds names nginx's address, not its own.
    expect(product.images[0].src).toBe(`${nginx.base.replace('http:', '')}/cdn/${original}`);
  }, WAIT_MS * 3);

  afterAll(async () => {
    await nginx?.stop();
    server?.kill();
    await origin?.close();
    await db?.drop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("the README's commands: check the file, then start nginx on it", () => {
    expect(readmeNginxCommands()).toEqual([
      ['nginx', '-t', '-c', '/etc/nginx/prodimg.conf'],
      ['nginx', '-c', '/etc/nginx/prodimg.conf'],
    ]);
    const check = spawnSync(NGINX, nginxArgs(readmeNginxCommands()[0]!, conf, work), { encoding: 'utf8', timeout: WAIT_MS });
    expect(check.stderr).toContain('test is successful');
    expect(check.status).toBe(0);
  });

  it('the second GET of a variant is a cache hit, and prodimg saw one request', async () => {
    const url = `/cdn/${original.replace('.', '_400x.')}`;
    const first = await get(url);
    expect(first.status).toBe(200);
    expect(first.headers['x-cache-status']).toBe('MISS');
    expect(first.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(first.headers['content-type']).toBe('image/jpeg');
    const second = await get(url);
    expect(second.status).toBe(200);
    expect(second.headers['x-cache-status']).toBe('HIT');
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.body.equals(first.body)).toBe(true);
    expect([first.headers['content-security-policy'], second.headers['content-security-policy']]).toEqual([CDN_CSP, CDN_CSP]);
    expect(await seen(url)).toBe(1);
  });

  it('answers If-None-Match from the cache with a 304', async () => {
    const url = `/cdn/${original.replace('.', '_320x.')}`;
    const first = await get(url);
    expect(first.headers['x-cache-status']).toBe('MISS');
    const revalidated = await get(url, { 'if-none-match': String(first.headers.etag) });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers['x-cache-status']).toBe('HIT');
    expect(revalidated.body.length).toBe(0);
    expect(revalidated.headers['content-security-policy']).toBe(CDN_CSP);
    expect(await seen(url)).toBe(1);
  });

  it('answers a Range from the cached file', async () => {
    const url = `/cdn/${original.replace('.', '_480x.')}`;
    const whole = await get(url);
    expect(whole.headers['x-cache-status']).toBe('MISS');
    const part = await get(url, { range: 'bytes=0-9' });
    expect(part.status).toBe(206);
    expect(part.headers['x-cache-status']).toBe('HIT');
    expect(part.body.equals(whole.body.subarray(0, 10))).toBe(true);
    expect(part.headers['content-security-policy']).toBe(CDN_CSP);
    expect(await seen(url)).toBe(1);
  });

  it('never keeps an error: a size outside PRODIMG_VARIANT_SIZES reaches prodimg each time, in its own shape', async () => {
    const url = `/cdn/${original.replace('.', '_300x.')}`;
    for (let i = 0; i < 2; i += 1) {
      const refused = await get(url);
      expect(refused.status).toBe(400);
      expect(refused.headers['x-cache-status']).toBe('MISS');
      expect(refused.headers['content-security-policy']).toBe(CDN_CSP);
      expect(JSON.parse(refused.body.toString())).toEqual({ errors: [expect.stringContaining('100, 160, 240')] });
    }
    expect(await seen(url)).toBe(2);
  });

  it('?format=webp is its own entry', async () => {
    const jpeg = `/cdn/${original.replace('.', '_240x.')}`;
    const webp = `${jpeg}?format=webp`;
    expect((await get(jpeg)).headers['x-cache-status']).toBe('MISS');
    const first = await get(webp);
    expect(first.headers['x-cache-status']).toBe('MISS');
    expect(first.headers['content-type']).toBe('image/webp');
    const second = await get(webp);
    expect(second.headers['x-cache-status']).toBe('HIT');
    expect(second.headers['content-type']).toBe('image/webp');
    expect(await seen(jpeg)).toBe(1);
    expect(await seen(webp)).toBe(1);
  });

  it('?format=auto (Vary: Accept) keeps one entry per Accept class: AVIF, WebP, the rest', async () => {
    const url = `/cdn/${original.replace('.', '_100x.')}?format=auto`;
    const chrome = await get(url, { accept: 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8' });
    expect(chrome.headers['x-cache-status']).toBe('MISS');
    expect(chrome.headers.vary).toBe('Accept');
    expect(chrome.headers['content-type']).toBe('image/avif');
    // Another browser's Accept, same class: the cached AVIF.
    const firefox = await get(url, { accept: 'image/avif,image/webp,*/*' });
    expect(firefox.headers['x-cache-status']).toBe('HIT');
    expect(firefox.headers['content-type']).toBe('image/avif');
    const webpOnly = await get(url, { accept: 'image/webp,*/*' });
    expect(webpOnly.headers['x-cache-status']).toBe('MISS');
    expect(webpOnly.headers['content-type']).toBe('image/webp');
    expect((await get(url, { accept: 'image/webp' })).headers['content-type']).toBe('image/webp');
    const curl = await get(url, { accept: '*/*' });
    expect(curl.headers['x-cache-status']).toBe('MISS');
    expect(curl.headers['content-type']).toBe('image/jpeg');
    expect((await get(url, {})).headers['x-cache-status']).toBe('HIT');
    expect(await seen(url)).toBe(3);
  });

  it('passes the API through uncached: prodimg answers every GET', async () => {
    const first = await get(productPath);
    const second = await get(productPath);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.headers['x-cache-status']).toBeUndefined();
    expect(second.headers['x-cache-status']).toBeUndefined();
    expect(await seen(productPath)).toBe(2);
  });
});
