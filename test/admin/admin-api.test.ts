import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminAuth } from '../../src/domain/admin-auth.js';
import { systemClock } from '../../src/domain/clock.js';
import { ADMIN_CSP } from '../../src/server/admin/admin-assets.js';
import { KyselyAdminKeyRepository } from '../../src/storage/admin-key-repository.js';
import { makeJpeg, makePng } from '../imaging/fixtures/images.js';
import { type Origin, send, startOrigin } from '../imaging/fixtures/origin-server.js';
import { startApi, type TestApi, V } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

const API = '/__prodimg/admin/api';

describe.each(DIALECTS)('the admin page and its endpoints on %s', (dialect) => {
  let api: TestApi;
  let origin: Origin;
  let auth: AdminAuth;
  let key: string;
  let shopId: string;

  /** A request as the admin page sends it: the cookie, and the CSRF token on writes when given. */
  const send_ = async (method: string, path: string, options: { cookie?: string; csrf?: string; body?: unknown; raw?: Buffer; type?: string; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.cookie) headers.cookie = options.cookie;
    if (options.csrf) headers['x-csrf-token'] = options.csrf;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.raw) headers['content-type'] = options.type ?? 'application/octet-stream';
    const response = await request(api.base + path, {
      method: method as 'GET',
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : options.raw ? { body: options.raw } : {}),
    });
    const text = await response.body.text();
    return { status: response.statusCode, headers: response.headers, text, json: () => JSON.parse(text) };
  };
  const signIn = async (withKey = key) => {
    const res = await send_('POST', `${API}/session`, { body: { key: withKey } });
    expect(res.status).toBe(200);
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    return { cookie, csrf: res.json().csrf_token as string };
  };

  /** A product of store alpha whose images are downloaded from the local origin. */
  const makeProduct = async (images: number) => {
    const res = await api.call('POST', 'products', { product: { title: 'Shirt', images: Array.from({ length: images }, () => ({ src: origin.url('/shirt.jpg') })) } });
    expect(res.statusCode).toBe(200);
    const made = res.json().product;
    return { id: made.id as string, imageIds: made.images.map((image: { id: string }) => image.id) as string[] };
  };

  beforeAll(async () => {
    origin = await startOrigin({ '/shirt.jpg': send(await makeJpeg(300, 200), 'image/jpeg') });
    api = await startApi(dialect, { env: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1' } });
    auth = new AdminAuth(new KyselyAdminKeyRepository(api.db.database.db), systemClock);
    key = (await auth.createKey('tests')).key;
    shopId = (await api.shops.list()).find((shop) => shop.subdomain === 'alpha')!.id;
  });
  afterAll(async () => {
    await api?.close();
    await origin?.close();
  });

  it('serves the page with a strict CSP, revalidated HTML and hashed assets cached for a year', async () => {
    const page = await send_('GET', '/admin');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(ADMIN_CSP);
    expect(ADMIN_CSP).toContain("default-src 'self'");
    expect(ADMIN_CSP).toContain("script-src 'self'");
    expect(page.headers['cache-control']).toBe('no-cache');
    const again = await send_('GET', '/admin', { headers: { 'if-none-match': String(page.headers.etag) } });
    expect(again.status).toBe(304);
    const assets = [...page.text.matchAll(/(?:src|href)="(\/admin\/assets\/[^"]+)"/g)].map((match) => match[1]!);
    expect(assets).toHaveLength(2);
    expect(page.text).not.toMatch(/<script>|<style|(src|href)="(https?:)?\/\//);
    for (const asset of assets) {
      expect(asset).toMatch(/\.[0-9a-f]{12}\.(js|css)$/);
      const res = await send_('GET', asset);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    }
    expect((await send_('GET', '/admin/assets/admin.js')).status).toBe(404);
  });

  it("names the admin API's root in the page, where admin.js reads it instead of stating it again", async () => {
    const page = await send_('GET', '/admin');
    expect(page.text).toContain(`<meta name="prodimg-admin-api" content="${API}">`);
    const script = [...page.text.matchAll(/src="(\/admin\/assets\/admin\.[0-9a-f]{12}\.js)"/g)].map((match) => match[1]!);
    expect(script).toHaveLength(1);
    const source = (await send_('GET', script[0]!)).text;
    expect(source).toContain('meta[name="prodimg-admin-api"]');
    expect(source).not.toContain(API);
  });

  it('refuses a wrong or empty key with 401 and no session', async () => {
    for (const wrong of ['pia_nope', '', key.slice(0, -1)]) {
      const res = await send_('POST', `${API}/session`, { body: { key: wrong } });
      expect(res.status).toBe(401);
      expect(res.json()).toEqual({ errors: ['Unauthorized'] });
      expect(String(res.headers['set-cookie'])).toContain('Max-Age=0');
    }
  });

  it('signs in with an HttpOnly, SameSite=Strict cookie that expires, and signs out', async () => {
    const res = await send_('POST', `${API}/session`, { body: { key } });
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^prodimg_admin=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
    expect(res.headers['cache-control']).toBe('no-store');
    const session = cookie.split(';')[0]!;
    const { csrf_token: csrf } = res.json();
    expect((await send_('GET', `${API}/session`, { cookie: session })).json().csrf_token).toBe(csrf);
    expect((await send_('DELETE', `${API}/session`, { cookie: session })).status).toBe(403);
    const out = await send_('DELETE', `${API}/session`, { cookie: session, csrf });
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await send_('GET', `${API}/stores`, { cookie: session })).status).toBe(401);
  });

  it('never takes a store token instead of a session, in the URL or in a header', async () => {
    for (const path of [`${API}/stores?access_token=${api.token}`, `${API}/stores?token=${api.token}`]) {
      expect((await send_('GET', path)).status).toBe(401);
    }
    expect((await send_('GET', `${API}/stores`, { headers: { 'access-token': api.token } })).status).toBe(401);
    expect((await send_('GET', `/admin?access_token=${api.token}`)).text).not.toContain(api.token);
  });

  it('refuses every write without the session CSRF token with 403, and changes nothing', async () => {
    const { cookie, csrf } = await signIn();
    const product = await makeProduct(1);
    const path = `${API}/stores/${shopId}/products/${product.id}/images/${product.imageIds[0]}`;
    for (const wrong of [undefined, 'x'.repeat(csrf.length), `${csrf}0`]) {
      const res = await send_('PUT', path, { cookie, ...(wrong ? { csrf: wrong } : {}), body: { alt: 'forged' } });
      expect(res.status).toBe(403);
      expect(res.json().errors[0]).toContain('X-CSRF-Token');
    }
    expect((await api.call('GET', `products/${product.id}/images/${product.imageIds[0]}`)).json().image.alt).toBe('');
    expect((await send_('PUT', path, { cookie, csrf, body: { alt: 'Front' } })).status).toBe(200);
    expect((await api.call('GET', `products/${product.id}/images/${product.imageIds[0]}`)).json().image.alt).toBe('Front');
  });

  it('ends the sessions of a revoked key at once, and refuses the key', async () => {
    const made = await auth.createKey('short-lived');
    const { cookie } = await signIn(made.key);
    expect((await send_('GET', `${API}/stores`, { cookie })).status).toBe(200);
    await auth.revokeKey(made.id);
    expect((await send_('GET', `${API}/stores`, { cookie })).status).toBe(401);
    expect((await send_('POST', `${API}/session`, { body: { key: made.key } })).status).toBe(401);
    expect((await auth.listKeys()).map((listed) => listed.id)).not.toContain(made.id);
  });

  it('ends a session when its time is up', async () => {
    let now = Date.now();
    const clocked = new AdminAuth(new KyselyAdminKeyRepository(api.db.database.db), systemClock, () => now);
    const { sessionId } = await clocked.signIn(key);
    await expect(clocked.session(sessionId)).resolves.toMatchObject({ keyId: expect.any(String) });
    now += 8 * 60 * 60 * 1000;
    await expect(clocked.session(sessionId)).rejects.toMatchObject({ code: 'Unauthorized' });
  });

  it('lists stores and products by title, and shows a gallery with file facts and thumbnails', async () => {
    const { cookie, csrf } = await signIn();
    const stores = (await send_('GET', `${API}/stores`, { cookie })).json().stores;
    expect(stores).toContainEqual({ id: shopId, subdomain: 'alpha', name: 'Alpha', active: true });
    const made = await api.call('POST', 'products', { product: { title: 'Striped Linen Towel', images: [{ src: origin.url('/shirt.jpg'), alt: 'Towel' }] } });
    const towel = made.json().product;
    const found = (await send_('GET', `${API}/stores/${shopId}/products?title=linen%20towel`, { cookie })).json();
    expect(found.products).toEqual([{ id: towel.id, title: 'Striped Linen Towel', images: 1 }]);
    const upload = await send_('POST', `${API}/stores/${shopId}/products/${towel.id}/uploads?alt=Uploaded`, { cookie, csrf, raw: await makePng(64, 48), type: 'image/png' });
    expect(upload.status).toBe(201);
    const gallery = (await send_('GET', `${API}/stores/${shopId}/products/${towel.id}`, { cookie })).json();
    expect(gallery.images.map((image: { alt: string }) => image.alt)).toEqual(['Towel', 'Uploaded']);
    const [first, second] = gallery.images;
    // The audit's findings ride along: both are under 800 px (a warning), and the upload's name-like alt is fine.
    const tooSmall = (size: string) => ({ code: 'too_small', severity: 'warning', message: `${size}: the shortest side is under 800 px.`, fix: 'Upload a larger original, so zoom has pixels to show.' });
    expect(first).toMatchObject({ position: 1, width: 300, height: 200, format: 'jpg', bytes: expect.any(Number), problems: [tooSmall('300x200')] });
    expect(second).toMatchObject({ position: 2, width: 64, height: 48, format: 'png', problems: [tooSmall('64x48')] });
    expect(gallery.problems).toEqual([]);
    expect(first.thumbnail).toMatch(/\/cdn\/[0-9a-f]{32}_160x\.jpg$/);
    const thumb = await request(`http:${first.thumbnail}`);
    expect(thumb.statusCode).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/jpeg');
    await thumb.body.dump();
    // Reordered through the admin endpoint: the API answers the same order.
    expect((await send_('PUT', `${API}/stores/${shopId}/products/${towel.id}/images/${second.id}`, { cookie, csrf, body: { position: 1 } })).status).toBe(200);
    const listed = (await api.call('GET', `products/${towel.id}/images`)).json().images;
    expect(listed.map((image: { id: string }) => image.id)).toEqual([second.id, first.id]);
  });

  it('pages through a store\'s products 20 at a time, both ways, keeping the title search', async () => {
    const { cookie } = await signIn();
    for (let i = 0; i < 21; i++) expect((await api.call('POST', 'products', { product: { title: `Paged Sock ${i}` } })).statusCode).toBe(200);
    const list = async (query: string) => (await send_('GET', `${API}/stores/${shopId}/products?${query}`, { cookie })).json();
    const first = await list('title=paged%20sock');
    expect(first.products).toHaveLength(20);
    expect(first.pre_cursor).toBe('');
    const second = await list(`title=paged%20sock&cursor=${encodeURIComponent(first.cursor)}`);
    expect(second.products).toHaveLength(1);
    expect(second.cursor).toBe('');
    const titles = [...first.products, ...second.products].map((entry: { title: string }) => entry.title);
    expect(new Set(titles).size).toBe(21);
    const back = await list(`title=paged%20sock&pre_cursor=${encodeURIComponent(second.pre_cursor)}`);
    expect(back.products.map((entry: { id: string }) => entry.id)).toEqual(first.products.map((entry: { id: string }) => entry.id));
  });

  it('says why an image was refused: a failed download, a file that is no image, a file too large', async () => {
    const { cookie, csrf } = await signIn();
    const product = await makeProduct(0);
    const byUrl = await send_('POST', `${API}/stores/${shopId}/products/${product.id}/images`, { cookie, csrf, body: { src: origin.url('/missing.jpg') } });
    expect(byUrl.status).toBe(422);
    expect(byUrl.json()).toEqual({ errors: ['Src could not be downloaded: the server answered 404'] });
    const notImage = await send_('POST', `${API}/stores/${shopId}/products/${product.id}/uploads`, { cookie, csrf, raw: Buffer.from('hello, not an image') });
    expect(notImage.status).toBe(422);
    expect(notImage.json().errors[0]).toMatch(/^The file is not a supported image/);
    const tooLarge = await send_('POST', `${API}/stores/${shopId}/products/${product.id}/uploads`, { cookie, csrf, raw: Buffer.alloc(api.config.maxSourceBytes + 1) });
    expect(tooLarge.status).toBe(413);
    expect((await api.call('GET', `products/${product.id}/images/count`)).json().count).toBe(0);
  });

  it('links an image to a variant and deletes an image through the same services as the API', async () => {
    const { cookie, csrf } = await signIn();
    const made = await api.call('POST', 'products', {
      product: { title: 'Hoodie', options: [{ name: 'Color', values: ['Red'] }], variants: [{ option1: 'Red', price: '1.00' }], images: [{ src: origin.url('/shirt.jpg') }, { src: origin.url('/shirt.jpg') }] },
    });
    expect(made.statusCode).toBe(200);
    const product = { id: made.json().product.id as string, imageIds: made.json().product.images.map((image: { id: string }) => image.id) as string[] };
    const variantId = made.json().product.variants[0].id as string;
    const base = `${API}/stores/${shopId}/products/${product.id}`;
    expect((await send_('PUT', `${base}/variants/${variantId}`, { cookie, csrf, body: { image_id: product.imageIds[1] } })).status).toBe(200);
    expect((await api.call('GET', `products/${product.id}`)).json().product.variants[0].image_id).toBe(product.imageIds[1]);
    const gallery = (await send_('GET', base, { cookie })).json();
    expect(gallery.images[1].variant_ids).toEqual([variantId]);
    expect((await send_('DELETE', `${base}/images/${product.imageIds[0]}`, { cookie, csrf })).status).toBe(204);
    expect((await api.call('GET', `products/${product.id}/images`)).json().images.map((image: { id: string }) => image.id)).toEqual([product.imageIds[1]]);
  });

  // Issue 22: the store's audit listed "The image has no alt text." once per image, saying neither product nor image.
  it("names each finding of the store's audit: the product's title, the image's position and thumbnail", async () => {
    const { cookie } = await signIn();
    const made = await api.call('POST', 'products', { product: { title: 'Waffle Robe', images: [{ src: origin.url('/shirt.jpg'), alt: 'Robe, front' }, { src: origin.url('/shirt.jpg'), alt: '' }] } });
    const robe = made.json().product;
    const audit = (await send_('GET', `${API}/stores/${shopId}/audit`, { cookie })).json();
    const missingAlt = audit.problems.filter((problem: { product_id: string; code: string }) => problem.product_id === robe.id && problem.code === 'missing_alt');
    expect(missingAlt).toEqual([
      {
        product_id: robe.id,
        product_title: 'Waffle Robe',
        image_id: robe.images[1].id,
        image_position: 2,
        thumbnail: expect.stringMatching(/^\/\/127\.0\.0\.1:\d+\/cdn\/[0-9a-f]{32}_160x\.jpg$/),
        code: 'missing_alt',
        severity: 'error',
        message: 'The image has no alt text.',
        fix: 'Write alt text that says what the image shows.',
      },
    ]);
  });

  // Issue 22: a hand-typed address showed `params/shop must match format "uuid"`, and an unknown store's id a 401.
  it('answers a malformed or unknown store, product or image id with the same 404', async () => {
    const { cookie, csrf } = await signIn();
    const missing = '00000000-0000-4000-8000-000000000000';
    const product = await makeProduct(1);
    for (const [method, path] of [
      ['GET', `/stores/nope/products`],
      ['GET', `/stores/${missing}/products`],
      ['GET', `/stores/${missing}/audit`],
      ['GET', `/stores/nope/audit`],
      ['GET', `/stores/${shopId}/products/42`],
      ['GET', `/stores/${missing}/products/${product.id}`],
      ['PUT', `/stores/${shopId}/products/${product.id}/images/42`],
      ['GET', `/stores/${missing}/export`],
    ] as const) {
      const res = await send_(method, API + path, { cookie, csrf, ...(method === 'PUT' ? { body: { alt: 'x' } } : {}) });
      expect([path, res.status, res.json()]).toEqual([path, 404, { errors: ['Record not found'] }]);
    }
  });

  it('answers an unknown product with 404 in the admin shape', async () => {
    const { cookie } = await signIn();
    const res = await send_('GET', `${API}/stores/${shopId}/products/00000000-0000-4000-8000-000000000000`, { cookie });
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ errors: [expect.any(String)] });
    expect(V).toBe('/openapi/2022-01');
  });
});
