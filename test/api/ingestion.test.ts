import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/imaging/blob-store.js';
import { openBlobStore } from '../../src/open-blob-store.js';
import { listAll } from '../imaging/blob-store-suite.js';
import { htmlPage } from '../imaging/fixtures/hostile.js';
import { makeJpeg, makePng, makeRotatedJpeg } from '../imaging/fixtures/images.js';
import { type Origin, send, startOrigin } from '../imaging/fixtures/origin-server.js';
import { startApi, type TestApi } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

describe.each(DIALECTS)('ingestion through the API on %s', (dialect) => {
  let api: TestApi;
  let blobs: BlobStore;
  let origin: Origin;
  let jpeg: Buffer;
  let png: Buffer;
  let rotated: Buffer;
  let lonely: Buffer[];

  beforeAll(async () => {
    [jpeg, png, rotated] = await Promise.all([makeJpeg(64, 48), makePng(30, 10), makeRotatedJpeg()]);
    // Files no other test uses, for the tests that watch a file go away.
    lonely = await Promise.all([makeJpeg(33, 33), makeJpeg(35, 35)]);
    origin = await startOrigin({
      '/photo.jpg': send(jpeg, 'image/jpeg'),
      '/same-photo.jpg': send(jpeg, 'application/octet-stream'),
      '/logo.png': send(png, 'image/png'),
      '/rotated.jpg': send(rotated, 'image/jpeg'),
      '/page.png': send(htmlPage, 'image/png'),
      '/lonely-0.jpg': send(lonely[0]!, 'image/jpeg'),
      '/lonely-1.jpg': send(lonely[1]!, 'image/jpeg'),
    });
    api = await startApi(dialect, { env: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1', PRODIMG_CDN_HOST: 'cdn.test/images' } });
    blobs = openBlobStore(api.config, api.db.database);
  });
  afterAll(async () => {
    await api.close();
    await origin.close();
  });

  it('stores the downloaded file under its md5 and answers with our CDN src and the measured size', async () => {
    const { id } = await api.product();
    const res = await api.call('POST', `products/${id}/images`, { image: { src: origin.url('/photo.jpg'), width: 999, height: 999, alt: 'A' } });
    expect(res.statusCode).toBe(200);
    const name = `${md5(jpeg)}.jpg`;
    expect(res.json().image).toMatchObject({ src: `//cdn.test/images/${name}`, path: name, width: 64, height: 48, alt: 'A' });
    expect(await blobs.get(name)).toEqual(jpeg);
  });

  it('measures as a browser shows it: EXIF orientation applied', async () => {
    const { id } = await api.product();
    const res = await api.call('POST', `products/${id}/images`, { image: { src: origin.url('/rotated.jpg') } });
    expect(res.json().image).toMatchObject({ width: 20, height: 40 });
  });

  it('refuses a page served as an image with 422, writing no row and no file', async () => {
    const { id } = await api.product();
    const before = await listAll(blobs);
    const res = await api.call('POST', `products/${id}/images`, { image: { src: origin.url('/page.png') } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({ errors: ['Src is not a supported image (got text/html)'] });
    expect((await api.call('GET', `products/${id}/images/count`)).json()).toEqual({ count: 0 });
    expect(await listAll(blobs)).toEqual(before);
  });

  it('refuses a 404 origin with a message that says so', async () => {
    const { id } = await api.product();
    const res = await api.call('POST', `products/${id}/images`, { image: { src: origin.url('/missing.jpg') } });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([expect.stringMatching(/^Src could not be downloaded: .*404/)]);
  });

  it('keeps the same bytes once, and removes the file (with its variants) only with the last image using it', async () => {
    const { id } = await api.product();
    const first = (await api.call('POST', `products/${id}/images`, { image: { src: origin.url('/logo.png') } })).json().image;
    const second = (await api.call('POST', `products/${id}/images`, { image: { src: origin.url('/logo.png') } })).json().image;
    expect(second.path).toBe(first.path);
    expect((await listAll(blobs)).filter((name) => name.startsWith(md5(png)))).toEqual([first.path]);
    const variant = `${md5(png)}_400x.webp`;
    await blobs.put(variant, Buffer.from('pretend variant'));

    await api.call('DELETE', `products/${id}/images/${first.id}`);
    expect(await blobs.has(first.path)).toBe(true);
    await api.call('DELETE', `products/${id}/images/${second.id}`);
    expect(await blobs.has(first.path)).toBe(false);
    expect(await blobs.has(variant)).toBe(false);
  });

  it('does not download a src that already points at our own library', async () => {
    const { id } = await api.product();
    const stored = (await api.call('POST', `products/${id}/images`, { image: { src: origin.url('/photo.jpg') } })).json().image;
    const hits = origin.hits.length;
    const again = await api.call('POST', `products/${id}/images`, { image: { src: `https:${stored.src}` } });
    expect(again.statusCode).toBe(200);
    expect(again.json().image).toMatchObject({ path: stored.path, width: 64, height: 48 });
    expect(origin.hits.length).toBe(hits);
  });

  it('fetches a new src on update and releases the old file', async () => {
    const { id } = await api.product();
    const image = (await api.call('POST', `products/${id}/images`, { image: { src: origin.url('/lonely-0.jpg') } })).json().image;
    const res = await api.call('PUT', `products/${id}/images/${image.id}`, { image: { src: origin.url('/logo.png') } });
    expect(res.json().image).toMatchObject({ path: `${md5(png)}.png`, width: 30, height: 10 });
    expect(await blobs.has(image.path)).toBe(false);
  });

  it('creates a product with images from URLs, or none at all when one fails (naming which)', async () => {
    const ok = await api.call('POST', 'products', { product: { title: 'P', images: [{ src: origin.url('/photo.jpg') }, { src: origin.url('/logo.png') }] } });
    expect(ok.json().product.images.map((i: { width: number }) => i.width)).toEqual([64, 30]);
    const count = (await api.call('GET', 'products/count')).json().count;
    const bad = await api.call('POST', 'products', { product: { title: 'Q', images: [{ src: origin.url('/photo.jpg') }, { src: origin.url('/page.png') }] } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toEqual({ errors: ['Image 2: Src is not a supported image (got text/html)'] });
    expect((await api.call('GET', 'products/count')).json().count).toBe(count);
  });

  it('removes the files of a deleted product that nothing else uses', async () => {
    const created = (await api.call('POST', 'products', { product: { title: 'R', images: [{ src: origin.url('/lonely-1.jpg') }] } })).json().product;
    expect(await blobs.has(created.images[0].path)).toBe(true);
    await api.call('DELETE', `products/${created.id}`);
    expect(await blobs.has(created.images[0].path)).toBe(false);
  });
});

describe('bounded ingestion: a download queue shared by all requests and a per-request image limit', () => {
  let origin: Origin;
  let api: TestApi;
  let releaseHeld!: () => void;
  let heldStarted!: () => void;
  const held = new Promise<void>((resolve) => (releaseHeld = resolve));
  const heldRequested = new Promise<void>((resolve) => (heldStarted = resolve));

  beforeAll(async () => {
    const jpeg = await makeJpeg(40, 30);
    origin = await startOrigin({
      '/photo.jpg': send(jpeg, 'image/jpeg'),
      // Answers only once released: a download that keeps the queue's one slot busy.
      '/held.jpg': (request, response) => {
        heldStarted();
        void held.then(() => send(jpeg, 'image/jpeg')(request, response));
      },
    });
    api = await startApi('sqlite', {
      env: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1', PRODIMG_INGEST_CONCURRENCY: '1', PRODIMG_INGEST_QUEUE_WAIT_MS: '100' },
    });
  });
  afterAll(async () => {
    releaseHeld();
    await api?.close();
    await origin?.close();
  });

  it('refuses a body bringing more than 50 images at once with a 422 naming the limit, downloading nothing (regression: 250 were queued)', async () => {
    const images = Array.from({ length: 51 }, () => ({ src: origin.url('/photo.jpg') }));
    const res = await api.call('POST', 'products', { product: { title: 'Many', images } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({ errors: ['Images has too many sources for one request (maximum is 50 images with a src; send the rest in another request)'] });
    expect(origin.hits).toEqual([]);
  });

  it('answers 503 with Retry-After when no download slot frees up in time, without blaming or asking the origin (regression: the wait counted as the origin being slow)', async () => {
    const hits = origin.hits.length;
    const slow = api.call('POST', 'products', { product: { title: 'Slow', images: [{ src: origin.url('/held.jpg') }] } });
    await heldRequested;
    const shed = await api.call('POST', 'products', { product: { title: 'Shed', images: [{ src: origin.url('/photo.jpg') }] } });
    expect(shed.statusCode).toBe(503);
    expect(shed.headers['retry-after']).toBe('1');
    expect(shed.json()).toEqual({ errors: ['Service Unavailable: image downloads are saturated (no free slot within 0.1s), retry shortly'] });
    expect(origin.hits.slice(hits)).toEqual(['/held.jpg']);

    const metrics = await api.call('GET', '/metrics');
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.body).toMatch(/^prodimg_queue_running\{queue="download"\} 1$/m);
    expect(metrics.body).toMatch(/^prodimg_queue_shed_total\{queue="download"\} 1$/m);
    expect(metrics.body).toMatch(/^prodimg_queue_waiting\{queue="render"\} 0$/m);

    releaseHeld();
    expect((await slow).statusCode).toBe(200);
  });
});

describe('the private-address guard', () => {
  it('is closed by default: a src on 127.0.0.1 is refused and never requested', async () => {
    const origin = await startOrigin({ '/x.png': send(await makePng(), 'image/png') });
    const api = await startApi('sqlite', { env: { PRODIMG_INGEST: 'fetch' } });
    try {
      const { id } = await api.product();
      for (const src of [origin.url('/x.png'), origin.url('/x.png', 'localhost')]) {
        const res = await api.call('POST', `products/${id}/images`, { image: { src } });
        expect(res.statusCode).toBe(422);
        expect(res.json()).toEqual({ errors: ['Src points to a private address'] });
      }
      expect(origin.hits).toEqual([]);
    } finally {
      await api.close();
      await origin.close();
    }
  });
});

describe.each(DIALECTS)('own CDN URLs as src, and src made per request, on %s', (dialect) => {
  let api: TestApi;
  let blobs: BlobStore;
  let origin: Origin;
  let jpeg: Buffer;
  let cdn: string;
  beforeAll(async () => {
    jpeg = await makeJpeg(64, 48);
    origin = await startOrigin({ '/photo.jpg': send(jpeg, 'image/jpeg') });
    // No PRODIMG_CDN_HOST: URLs are made from the Host of each request.
    api = await startApi(dialect, { env: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1', PRODIMG_VARIANT_SIZES: '16,32' } });
    blobs = openBlobStore(api.config, api.db.database);
    cdn = `${api.base.replace(/^http:/, '')}/cdn`;
  });
  afterAll(async () => {
    await api.close();
    await origin.close();
  });

  const create = async (productId: string, src: string) => api.call('POST', `products/${productId}/images`, { image: { src } });

  it('stores the file name and makes src from the Host each client used', async () => {
    const { id } = await api.product();
    const image = (await create(id, origin.url('/photo.jpg'))).json().image;
    const name = `${md5(jpeg)}.jpg`;
    expect(image.src).toBe(`${cdn}/${name}`);
    const row = await api.db.database.db.selectFrom('images').select('src').where('id', '=', image.id).executeTakeFirstOrThrow();
    expect(row.src).toBe(name);
    const remote = await api.call('GET', `products/${id}/images/${image.id}`, undefined, { host: 'prodimg.internal:8080' });
    expect(remote.json().image.src).toBe(`//prodimg.internal:8080/cdn/${name}`);
    const product = await api.call('GET', `products/${id}`, undefined, { host: 'prodimg.internal:8080' });
    expect(product.json().product.image.src).toBe(`//prodimg.internal:8080/cdn/${name}`);
  });

  it('reuses an original named by its own CDN URL (any Host we answered with), counted as used by the new image', async () => {
    const { id } = await api.product();
    const first = (await create(id, origin.url('/photo.jpg'))).json().image;
    const hits = origin.hits.length;
    const again = await api.call('POST', `products/${id}/images`, { image: { src: `https://prodimg.internal:8080/cdn/${first.path}` } }, { host: 'prodimg.internal:8080' });
    expect(again.json().image).toMatchObject({ path: first.path, width: 64, height: 48 });
    expect(origin.hits.length).toBe(hits);
    await api.call('DELETE', `products/${id}/images/${first.id}`);
    expect(await blobs.has(first.path)).toBe(true);
  });

  it('stores a variant URL as an original of its own, which outlives the original', async () => {
    const { id } = await api.product();
    const original = (await create(id, origin.url('/photo.jpg'))).json().image;
    const fromVariant = await create(id, `${cdn}/${original.path.replace('.jpg', '_32x.jpg')}`);
    expect(fromVariant.statusCode).toBe(200);
    const variant = fromVariant.json().image;
    expect(variant).toMatchObject({ width: 32, height: 24 });
    expect(variant.path).not.toBe(original.path);
    expect(variant.path).toMatch(/^[0-9a-f]{32}\.jpg$/);
    const fromQuery = (await create(id, `${cdn}/${original.path}?width=16`)).json().image;
    expect(fromQuery).toMatchObject({ width: 16, height: 12 });
    await api.call('DELETE', `products/${id}/images/${original.id}`);
    for (const path of [variant.path, fromQuery.path]) {
      expect(await blobs.has(path)).toBe(true);
      expect((await api.call('GET', `/cdn/${path}`)).statusCode).toBe(200);
    }
  });

  it('refuses with a clear 422 a src on our CDN naming a file that is not stored', async () => {
    const { id } = await api.product();
    for (const name of [`${'9'.repeat(32)}.jpg`, `${'9'.repeat(32)}_32x.jpg`, 'nothing.jpg']) {
      const res = await create(id, `${cdn}/${name}`);
      expect({ status: res.statusCode, body: res.json() }).toEqual({
        status: 422,
        body: { errors: [`Src names a file that is not in the image library (${name})`] },
      });
    }
  });

  it('decides against the store, not the memory cache: a file deleted by another process is not reused', async () => {
    const lonely = await makeJpeg(37, 37);
    const lonelyOrigin = await startOrigin({ '/lonely.jpg': send(lonely, 'image/jpeg') });
    try {
      const { id } = await api.product();
      const image = (await create(id, lonelyOrigin.url('/lonely.jpg'))).json().image;
      // Served once, so this server keeps it in memory; then another process removes it from the store.
      expect((await api.call('GET', `/cdn/${image.path}`)).statusCode).toBe(200);
      await blobs.delete(image.path);
      const res = await create(id, `${cdn}/${image.path}`);
      expect(res.json()).toEqual({ errors: [`Src names a file that is not in the image library (${image.path})`] });
    } finally {
      await lonelyOrigin.close();
    }
  });
});
