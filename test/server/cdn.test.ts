import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/imaging/blob-store.js';
import { createSharpTransform, type ImageTransform, type RenderRequest } from '../../src/imaging/image-transform.js';
import { createLocalBlobStore } from '../../src/imaging/local-blob-store.js';
import { WorkQueue } from '../../src/imaging/work-queue.js';
import { registerCdnRoutes } from '../../src/server/routes/cdn.js';
import { registerErrorHandling } from '../../src/server/errors-plugin.js';
import { listAll } from '../imaging/blob-store-suite.js';
import { jp2File } from '../imaging/fixtures/hostile.js';
import { makeAnimatedGif, makeAvif, makeGif, makeNoise, makePng, makeWebp } from '../imaging/fixtures/images.js';

const SIZES = [100, 200, 300, 400, 800];
const IMMUTABLE = 'public, max-age=31536000, immutable';
const NOT_FOUND = { errors: ['Not Found'] };
const CHROME_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const SAFARI_15_ACCEPT = 'image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5';

/** The blob store with every call written down, to prove which requests never reach storage. */
function recorded(inner: BlobStore): { store: BlobStore; calls: string[] } {
  const calls: string[] = [];
  const store: BlobStore = {
    put: (name, bytes) => (calls.push(`put ${name}`), inner.put(name, bytes)),
    get: (name) => (calls.push(`get ${name}`), inner.get(name)),
    stream: (name) => (calls.push(`stream ${name}`), inner.stream(name)),
    has: (name) => (calls.push(`has ${name}`), inner.has(name)),
    delete: (name) => (calls.push(`delete ${name}`), inner.delete(name)),
    list: () => (calls.push('list'), inner.list()),
    deleteFamily: (hash) => (calls.push(`deleteFamily ${hash}`), inner.deleteFamily(hash)),
  };
  return { store, calls };
}

interface Cdn {
  app: FastifyInstance;
  blobs: BlobStore;
  calls: string[];
  renders: RenderRequest[];
  /** Stores `bytes` under its content address, as the ingestor does, and returns the name. */
  put(bytes: Buffer, ext: string): Promise<string>;
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  head(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

let root: string;
let cdn: Cdn;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'prodimg-cdn-'));
  const { store, calls } = recorded(createLocalBlobStore(root));
  const sharpTransform = createSharpTransform({ maxPixels: 50_000_000 });
  const renders: RenderRequest[] = [];
  const transform: ImageTransform = {
    reads: (format) => sharpTransform.reads(format),
    render: (bytes, request) => {
      renders.push(request);
      return sharpTransform.render(bytes, request);
    },
  };
  const app = Fastify();
  registerErrorHandling(app, 1024 * 1024);
  registerCdnRoutes(app, { blobs: store, sizes: SIZES, maxPixels: 50_000_000, transform });
  await app.ready();
  cdn = {
    app,
    blobs: store,
    calls,
    renders,
    async put(bytes, ext) {
      const name = `${createHash('md5').update(bytes).digest('hex')}.${ext}`;
      await store.put(name, bytes);
      calls.length = 0;
      return name;
    },
    get: (url, headers = {}) => app.inject({ method: 'GET', url, headers }),
    head: (url, headers = {}) => app.inject({ method: 'HEAD', url, headers }),
  };
});

afterEach(async () => {
  await cdn.app.close();
  await rm(root, { recursive: true, force: true });
});

const hashOf = (name: string) => name.slice(0, 32);
const withSize = (name: string, size: string) => name.replace('.', `_${size}.`);

async function metaOf(body: Buffer) {
  const meta = await sharp(body).metadata();
  return { format: meta.format === 'heif' ? meta.compression : meta.format, width: meta.width, height: meta.height };
}

/** 1200x800 of noise: big enough (hundreds of KiB) that ranges cross several read chunks. */
const bigJpeg = () => makeNoise(1200, 800).jpeg().toBuffer();

describe('originals', () => {
  it.each([
    ['jpg', 'image/jpeg', bigJpeg],
    ['png', 'image/png', () => makePng(40, 20)],
    ['webp', 'image/webp', () => makeWebp(40, 20)],
    ['gif', 'image/gif', () => makeGif(40, 20)],
    ['avif', 'image/avif', () => makeAvif(40, 20)],
    ['jp2', 'image/jp2', async () => jp2File()],
  ] as const)('serves a .%s as %s with immutable caching and a strong ETag', async (ext, type, make) => {
    const bytes = await make();
    const name = await cdn.put(bytes, ext);
    const response = await cdn.get(`/cdn/${name}`);
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.equals(bytes)).toBe(true);
    expect(response.headers).toMatchObject({
      'content-type': type,
      'content-length': String(bytes.length),
      etag: `"${name}"`,
      'cache-control': IMMUTABLE,
      'accept-ranges': 'bytes',
      'x-content-type-options': 'nosniff',
    });
    expect(response.headers.vary).toBeUndefined();
  });

  it('HEAD: the same headers with no body', async () => {
    const bytes = await bigJpeg();
    const name = await cdn.put(bytes, 'jpg');
    const response = await cdn.head(`/cdn/${name}`);
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.length).toBe(0);
    expect(response.headers).toMatchObject({ 'content-type': 'image/jpeg', 'content-length': String(bytes.length), etag: `"${name}"`, 'cache-control': IMMUTABLE });
  });

  it.each([
    ['its ETag', (etag: string) => etag],
    ['its ETag, weak', (etag: string) => `W/${etag}`],
    ['*', () => '*'],
    ['a list holding its ETag', (etag: string) => `"nope", ${etag}, "other"`],
  ])('304 for If-None-Match with %s, on GET and HEAD', async (_what, header) => {
    const name = await cdn.put(await makePng(40, 20), 'png');
    for (const send of [cdn.get, cdn.head]) {
      const response = await send(`/cdn/${name}`, { 'if-none-match': header(`"${name}"`) });
      expect(response.statusCode).toBe(304);
      expect(response.rawPayload.length).toBe(0);
      expect(response.headers).toMatchObject({ etag: `"${name}"`, 'cache-control': IMMUTABLE });
    }
  });

  it('200 for If-None-Match with another ETag', async () => {
    const name = await cdn.put(await makePng(40, 20), 'png');
    expect((await cdn.get(`/cdn/${name}`, { 'if-none-match': '"0123456789abcdef0123456789abcdef.png"' })).statusCode).toBe(200);
  });

  it('Range: 206 with the asked bytes, including one far into the file', async () => {
    const bytes = await bigJpeg();
    const name = await cdn.put(bytes, 'jpg');
    const size = bytes.length;
    for (const [range, start, end] of [
      ['bytes=0-99', 0, 99],
      [`bytes=${size - 100}-`, size - 100, size - 1],
      ['bytes=-10', size - 10, size - 1],
      ['bytes=70000-170000', 70000, 170000],
    ] as const) {
      const response = await cdn.get(`/cdn/${name}`, { range });
      expect(response.statusCode, range).toBe(206);
      expect(response.headers['content-range'], range).toBe(`bytes ${start}-${end}/${size}`);
      expect(response.headers['content-length'], range).toBe(String(end - start + 1));
      expect(response.rawPayload.equals(bytes.subarray(start, end + 1)), range).toBe(true);
    }
  });

  it('Range: 416 with the size when nothing of it exists, not cached', async () => {
    const bytes = await makePng(40, 20);
    const name = await cdn.put(bytes, 'png');
    const response = await cdn.get(`/cdn/${name}`, { range: `bytes=${bytes.length}-` });
    expect(response.statusCode).toBe(416);
    expect(response.headers['content-range']).toBe(`bytes */${bytes.length}`);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('Range: several ranges get the whole file with 200', async () => {
    const bytes = await bigJpeg();
    const name = await cdn.put(bytes, 'jpg');
    const response = await cdn.get(`/cdn/${name}`, { range: 'bytes=0-9,1000-1009' });
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.equals(bytes)).toBe(true);
  });

  it('an unknown hash is a 404 in the contract shape, not cached', async () => {
    const response = await cdn.get('/cdn/0123456789abcdef0123456789abcdef.jpg');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual(NOT_FOUND);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('the right hash with another extension is a 404', async () => {
    const name = await cdn.put(await makePng(40, 20), 'png');
    expect((await cdn.get(`/cdn/${name.replace('.png', '.jpg')}`)).statusCode).toBe(404);
  });
});

describe('path traversal and odd names: 404 before storage is touched', () => {
  const name = '0123456789abcdef0123456789abcdef.jpg';
  const hash = hashOf(name);
  it.each([
    `/cdn/..%2f..%2fetc%2fpasswd`,
    `/cdn/..%2F${name}`,
    `/cdn/%2e%2e%2f${name}`,
    `/cdn/%2e%2e/${name}`,
    `/cdn/../../etc/passwd`,
    `/cdn/..%5c${name}`,
    `/cdn/%2fetc%2fpasswd`,
    `/cdn//etc/passwd`,
    `/cdn/%2Fetc%2Fpasswd`,
    `/cdn/${name}%2f..%2f..%2fx`,
    `/cdn/${name}/../x`,
    `/cdn/ab/${name}`,
    `/cdn/${name}%00.png`,
    `/cdn/${hash}%00.jpg`,
    `/cdn/${name}%0a`,
    `/cdn/${'a'.repeat(5000)}.jpg`,
    `/cdn/${hash}_${'9'.repeat(300)}x.jpg`,
    `/cdn/${name.toUpperCase()}`,
    `/cdn/${hash}.exe`,
    `/cdn/${hash}.jpeg`,
    `/cdn/${hash}_x.jpg`,
    // Cache names are internal: only public names are served.
    `/cdn/${hash}_400x300_c.webp`,
    `/cdn/`,
  ])('%s', async (url) => {
    const response = await cdn.get(url);
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual(NOT_FOUND);
    expect(cdn.calls).toEqual([]);
  });

  // Fastify's router refuses a broken percent-encoding (FST_ERR_BAD_URL) before any route runs; the
  // body is Fastify's own unless the app sets `frameworkErrors`.
  it.each([`/cdn/%`, `/cdn/%zz${name}`, `/cdn/${name}%`])('%s is refused by the router with a 400', async (url) => {
    expect((await cdn.get(url)).statusCode).toBe(400);
    expect(cdn.calls).toEqual([]);
  });
});

describe('Content-Security-Policy on every answer (originals may carry HTML)', () => {
  const CSP = "default-src 'none'; sandbox";

  // Regression (issue 28): a JPEG with a page inside it is stored byte for byte and served as an
  // image with nosniff only; a browser opening it as a page must run nothing and load nothing.
  it('a JPEG/HTML polyglot, and every other answer: variants, HEAD, 304, 206, 416, 400, 404', async () => {
    const polyglot = Buffer.concat([await makeNoise(120, 80).jpeg().toBuffer(), Buffer.from('<html><script>alert(document.cookie)</script></html>')]);
    const name = await cdn.put(polyglot, 'jpg');
    const served = await cdn.get(`/cdn/${name}`);
    expect({ status: served.statusCode, body: served.rawPayload.equals(polyglot) }).toEqual({ status: 200, body: true });
    const etag = String(served.headers.etag);
    const answers = {
      original: served,
      variant: await cdn.get(`/cdn/${withSize(name, '100x')}`),
      head: await cdn.head(`/cdn/${name}`),
      notModified: await cdn.get(`/cdn/${name}`, { 'if-none-match': etag }),
      range: await cdn.get(`/cdn/${name}`, { range: 'bytes=0-9' }),
      unsatisfiable: await cdn.get(`/cdn/${name}`, { range: 'bytes=999999-' }),
      badSize: await cdn.get(`/cdn/${withSize(name, '123x')}`),
      notFound: await cdn.get(`/cdn/${'0'.repeat(32)}.jpg`),
      traversal: await cdn.get('/cdn/..%2f..%2fetc%2fpasswd'),
    };
    expect(Object.fromEntries(Object.entries(answers).map(([what, answer]) => [what, [answer.statusCode, answer.headers['content-security-policy']]]))).toEqual({
      original: [200, CSP],
      variant: [200, CSP],
      head: [200, CSP],
      notModified: [304, CSP],
      range: [206, CSP],
      unsatisfiable: [416, CSP],
      badSize: [400, CSP],
      notFound: [404, CSP],
      traversal: [404, CSP],
    });
  });
});

describe('variants', () => {
  let jpg: string;
  beforeEach(async () => {
    jpg = await cdn.put(await bigJpeg(), 'jpg');
  });

  it.each([
    ['_400x', '', 'jpeg', 400, 267, '_400x.jpg'],
    ['_x300', '', 'jpeg', 450, 300, '_x300.jpg'],
    ['_400x300', '', 'jpeg', 400, 267, '_400x300.jpg'],
    ['_400x300', '?crop=center', 'jpeg', 400, 300, '_400x300_c.jpg'],
    ['', '?width=200', 'jpeg', 200, 133, '_200x.jpg'],
    ['', '?height=200', 'jpeg', 300, 200, '_x200.jpg'],
    ['', '?width=400&height=300&crop=center', 'jpeg', 400, 300, '_400x300_c.jpg'],
    ['', '?width=400&height=400', 'jpeg', 400, 267, '_400x400.jpg'],
    ['', '?format=webp', 'webp', 1200, 800, '_x.webp'],
    ['', '?format=png', 'png', 1200, 800, '_x.png'],
    ['', '?width=200&format=avif', 'av1', 200, 133, '_200x.avif'],
    ['_400x', '?format=webp', 'webp', 400, 267, '_400x.webp'],
    ['_400x', '?format=jpeg', 'jpeg', 400, 267, '_400x.jpg'],
    ['_400x', '?height=100', 'jpeg', 150, 100, '_x100.jpg'],
    ['', '?width=100&height=100&crop=center&format=webp', 'webp', 100, 100, '_100x100_c.webp'],
    // Larger than the original: the original's size, never upscaled.
    ['', '?width=800&height=800&crop=center', 'jpeg', 800, 800, '_800x800_c.jpg'],
  ])('%s%s is a %s of %ix%i, cached as <hash>%s', async (size, query, format, width, height, cacheSuffix) => {
    const url = `/cdn/${size ? withSize(jpg, size.slice(1)) : jpg}${query}`;
    const response = await cdn.get(url);
    expect(response.statusCode).toBe(200);
    expect(await metaOf(response.rawPayload)).toEqual({ format, width, height });
    const cacheName = `${hashOf(jpg)}${cacheSuffix}`;
    const type = { jpeg: 'image/jpeg', webp: 'image/webp', png: 'image/png', av1: 'image/avif' }[format];
    expect(response.headers).toMatchObject({
      'content-type': type,
      'content-length': String(response.rawPayload.length),
      etag: `"${cacheName}"`,
      'cache-control': IMMUTABLE,
      'accept-ranges': 'bytes',
    });
    // Stored after the answer, off the request's path.
    await expect.poll(() => listAll(cdn.blobs)).toEqual([jpg, cacheName].sort());
  });

  it('does not upscale: a preset larger than the original gives the original size', async () => {
    const png = await cdn.put(await makePng(300, 200), 'png');
    const response = await cdn.get(`/cdn/${withSize(png, '800x')}`);
    expect(await metaOf(response.rawPayload)).toEqual({ format: 'png', width: 300, height: 200 });
  });

  it('the second request is served from the cache without rendering again', async () => {
    const url = `/cdn/${withSize(jpg, '400x')}`;
    const first = await cdn.get(url);
    expect(cdn.renders).toHaveLength(1);
    await expect.poll(() => cdn.blobs.has(`${hashOf(jpg)}_400x.jpg`)).toBe(true);
    cdn.calls.length = 0;
    const second = await cdn.get(url);
    expect(second.statusCode).toBe(200);
    expect(second.rawPayload.equals(first.rawPayload)).toBe(true);
    expect(cdn.renders).toHaveLength(1);
    expect(cdn.calls).toEqual([`has ${jpg}`, `stream ${hashOf(jpg)}_400x.jpg`]);
    // The same variant asked another way (query instead of name) is the same cache entry.
    expect((await cdn.get(`/cdn/${jpg}?width=400`)).rawPayload.equals(first.rawPayload)).toBe(true);
    expect(cdn.renders).toHaveLength(1);
  });

  it('concurrent first requests for one variant render it once', async () => {
    const url = `/cdn/${jpg}?width=300&height=300&crop=center&format=webp`;
    const responses = await Promise.all(Array.from({ length: 8 }, () => cdn.get(url)));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
    expect(cdn.renders).toEqual([{ width: 300, height: 300, crop: true, format: 'webp' }]);
    for (const response of responses) expect(response.rawPayload.equals(responses[0]!.rawPayload)).toBe(true);
  });

  it('a variant is served like an original: HEAD, 304 and Range', async () => {
    const url = `/cdn/${withSize(jpg, '400x')}`;
    const whole = (await cdn.get(url)).rawPayload;
    const etag = `"${hashOf(jpg)}_400x.jpg"`;

    const head = await cdn.head(url);
    expect(head.statusCode).toBe(200);
    expect(head.rawPayload.length).toBe(0);
    expect(head.headers['content-length']).toBe(String(whole.length));

    const notModified = await cdn.get(url, { 'if-none-match': etag });
    expect(notModified.statusCode).toBe(304);
    expect(notModified.rawPayload.length).toBe(0);

    const part = await cdn.get(url, { range: 'bytes=10-19' });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 10-19/${whole.length}`);
    expect(part.rawPayload.equals(whole.subarray(10, 20))).toBe(true);

    const unsatisfiable = await cdn.get(url, { range: `bytes=${whole.length}-` });
    expect(unsatisfiable.statusCode).toBe(416);
    expect(unsatisfiable.headers['content-range']).toBe(`bytes */${whole.length}`);
    expect(cdn.renders).toHaveLength(1);
  });

  it.each([
    ['Chrome (AVIF and WebP)', CHROME_ACCEPT, 'image/avif', 'av1', '_400x.avif'],
    ['Safari 15 (WebP only)', SAFARI_15_ACCEPT, 'image/webp', 'webp', '_400x.webp'],
    ['curl (*/*)', '*/*', 'image/jpeg', 'jpeg', '_400x.jpg'],
    ['no Accept', undefined, 'image/jpeg', 'jpeg', '_400x.jpg'],
  ])('format=auto for %s: %s, with Vary: Accept', async (_client, accept, type, format, cacheSuffix) => {
    const response = await cdn.get(`/cdn/${withSize(jpg, '400x')}?format=auto`, accept ? { accept } : {});
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ 'content-type': type, vary: 'Accept', etag: `"${hashOf(jpg)}${cacheSuffix}"` });
    expect(await metaOf(response.rawPayload)).toEqual({ format, width: 400, height: 267 });

    const notModified = await cdn.get(`/cdn/${withSize(jpg, '400x')}?format=auto`, {
      ...(accept ? { accept } : {}),
      'if-none-match': response.headers.etag as string,
    });
    expect(notModified.statusCode).toBe(304);
    expect(notModified.headers.vary).toBe('Accept');
  });

  it('format=auto without a size, for a client that takes neither AVIF nor WebP: the original itself, with Vary', async () => {
    const response = await cdn.get(`/cdn/${jpg}?format=auto`, { accept: '*/*' });
    expect(response.headers).toMatchObject({ 'content-type': 'image/jpeg', vary: 'Accept', etag: `"${jpg}"` });
    expect(cdn.renders).toEqual([]);
    expect(await listAll(cdn.blobs)).toEqual([jpg]);
  });

  it('format=jpeg on a JPEG original without a size is the original itself', async () => {
    const response = await cdn.get(`/cdn/${jpg}?format=jpeg`);
    expect(response.headers.etag).toBe(`"${jpg}"`);
    expect(cdn.renders).toEqual([]);
  });

  it.each([
    [`_500x`, '', 'Bad Request: expected one of 100, 200, 300, 400, 800 for width, got 500'],
    [`_x1000`, '', 'Bad Request: expected one of 100, 200, 300, 400, 800 for height, got 1000'],
    ['', '?width=401', 'Bad Request: expected one of 100, 200, 300, 400, 800 for width, got 401'],
    ['', '?width=1.5', 'Bad Request: expected positive integer for width, got "1.5"'],
    ['', '?width=0', 'Bad Request: expected positive integer for width, got "0"'],
    ['', '?height=-300', 'Bad Request: expected positive integer for height, got "-300"'],
    ['', '?width=400&width=800', 'Bad Request: expected one value for width, got 2'],
    ['', '?format=tiff', 'Bad Request: expected one of webp, avif, jpeg, png, auto for format, got "tiff"'],
    ['', '?width=400&height=300&crop=north', 'Bad Request: expected center for crop, got "north"'],
  ])('refuses %s%s with a 400, renders and stores nothing', async (size, query, message) => {
    const response = await cdn.get(`/cdn/${size ? withSize(jpg, size.slice(1)) : jpg}${query}`);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ errors: [message] });
    expect(response.headers['cache-control']).toBe('no-store');
    expect(cdn.renders).toEqual([]);
    expect(cdn.calls).toEqual([]);
  });

  it('a variant of an unknown original is a 404 and nothing is rendered or cached', async () => {
    const unknown = '0123456789abcdef0123456789abcdef.jpg';
    for (const url of [`/cdn/${withSize(unknown, '400x')}`, `/cdn/${unknown}?width=400&format=webp`, `/cdn/${unknown}?format=auto`]) {
      const response = await cdn.get(url, { accept: CHROME_ACCEPT });
      expect(response.statusCode, url).toBe(404);
      expect(response.json()).toEqual(NOT_FOUND);
    }
    expect(cdn.renders).toEqual([]);
    expect(await listAll(cdn.blobs)).toEqual([jpg]);
  });

  it('deleting the family removes the cached variants too', async () => {
    await cdn.get(`/cdn/${withSize(jpg, '400x300')}?crop=center&format=webp`);
    await cdn.get(`/cdn/${jpg}?width=100&format=avif`);
    await expect.poll(() => listAll(cdn.blobs)).toHaveLength(3);
    expect(await cdn.blobs.deleteFamily(hashOf(jpg))).toBe(3);
    expect((await cdn.get(`/cdn/${withSize(jpg, '400x300')}?crop=center&format=webp`)).statusCode).toBe(404);
  });
});

describe('variants of particular originals', () => {
  it('applies EXIF orientation: stored 600x300 with orientation 6, the 200-wide variant is portrait', async () => {
    const rotated = await sharp({ create: { width: 600, height: 300, channels: 3, background: '#36c' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const name = await cdn.put(rotated, 'jpg');
    const response = await cdn.get(`/cdn/${withSize(name, '200x')}`);
    expect(await metaOf(response.rawPayload)).toEqual({ format: 'jpeg', width: 200, height: 400 });
  });

  it('animated GIF: the variant is a GIF of the first frame', async () => {
    const name = await cdn.put(await makeAnimatedGif(), 'gif');
    // Three 40x20 frames; the nearest preset is larger, so the frame keeps its size.
    const response = await cdn.get(`/cdn/${withSize(name, '100x')}`);
    expect(response.headers['content-type']).toBe('image/gif');
    const meta = await sharp(response.rawPayload, { animated: true }).metadata();
    expect({ width: meta.width, height: meta.height, pages: meta.pages ?? 1 }).toEqual({ width: 40, height: 20, pages: 1 });
  });

  it('JPEG 2000 (no decoder in this sharp): the original is served, a resize is refused, auto keeps it', async () => {
    const bytes = jp2File({ width: 640, height: 480 });
    const name = await cdn.put(bytes, 'jp2');
    const resized = await cdn.get(`/cdn/${withSize(name, '400x')}`);
    expect(resized.statusCode).toBe(400);
    expect(resized.json()).toEqual({ errors: ['Bad Request: expected a jpg, png, webp, gif or avif original to resize or convert, got jp2'] });
    const auto = await cdn.get(`/cdn/${name}?format=auto`, { accept: CHROME_ACCEPT });
    expect(auto.statusCode).toBe(200);
    expect(auto.headers).toMatchObject({ 'content-type': 'image/jp2', vary: 'Accept' });
    expect(auto.rawPayload.equals(bytes)).toBe(true);
    expect(cdn.renders).toEqual([]);
    expect(await listAll(cdn.blobs)).toEqual([name]);
  });
});

describe('registerCdnRoutes', () => {
  it.each([[[]], [[0, 100]], [[100, 1.5]], [[100, Number.NaN]]])('refuses the sizes %j at start-up', (sizes) => {
    const app = Fastify();
    expect(() => registerCdnRoutes(app, { blobs: cdn.blobs, sizes, maxPixels: 1000 })).toThrow(/expected a non-empty list of positive integer sizes/);
  });
});

describe('storing a rendered variant, after its first answer', () => {
  /** A local store whose writes of variants wait until `release()`. */
  function heldStore() {
    const inner = createLocalBlobStore(root);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const store: BlobStore = { ...inner, put: async (name, bytes) => (name.includes('_') ? gate.then(() => inner.put(name, bytes)) : inner.put(name, bytes)) };
    return { store, release };
  }

  /** A /cdn app on a held store that holds one stored original; returns the app, the store and its name. */
  async function servingOne() {
    const { store, release } = heldStore();
    const original = await bigJpeg();
    const name = `${createHash('md5').update(original).digest('hex')}.jpg`;
    await store.put(name, original);
    const app = Fastify();
    registerErrorHandling(app, 1024 * 1024);
    registerCdnRoutes(app, { blobs: store, sizes: SIZES, maxPixels: 50_000_000 });
    await app.ready();
    return { app, store, release, name };
  }

  it('answers before the variant is stored, shares that render until it is, and closing waits for the store', async () => {
    const { app, store, release, name } = await servingOne();
    const url = `/cdn/${withSize(name, '400x')}`;

    const first = await app.inject({ method: 'GET', url });
    expect(first.statusCode).toBe(200);
    expect(await metaOf(first.rawPayload)).toEqual({ format: 'jpeg', width: 400, height: 267 });
    expect(await store.has(withSize(name, '400x')), 'not stored yet').toBe(false);
    const again = await app.inject({ method: 'GET', url });
    expect(again.rawPayload.equals(first.rawPayload)).toBe(true);

    let closed = false;
    const closing = app.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed, 'close waits for the variant being stored').toBe(false);
    release();
    await closing;
    expect(await store.has(withSize(name, '400x'))).toBe(true);
  });

  it('removes a variant whose original was deleted while it was being stored', async () => {
    const { app, store, release, name } = await servingOne();

    expect((await app.inject({ method: 'GET', url: `/cdn/${withSize(name, '200x')}` })).statusCode).toBe(200);
    expect(await store.deleteFamily(hashOf(name))).toBe(1);
    release();
    await app.close();
    expect(await listAll(store)).toEqual([]);
  });
});

describe('bounded rendering: a queue, one read of the original, cancellation, 503 when full', () => {
  /** Resolves once `check()` holds, looking again after each turn of the event loop. */
  async function until(check: () => boolean): Promise<void> {
    while (!check()) await new Promise((resolve) => setTimeout(resolve, 2));
  }

  /** A /cdn app whose renders wait until `release()`, in a queue of the given size. */
  async function gatedCdn(queue: { concurrency: number; maxWaiting: number }) {
    const { store, calls } = recorded(createLocalBlobStore(root));
    const sharpTransform = createSharpTransform({ maxPixels: 50_000_000 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const widths: Array<number | undefined> = [];
    const transform: ImageTransform = {
      reads: (format) => sharpTransform.reads(format),
      render: async (bytes, request) => {
        widths.push(request.width);
        await gate;
        return sharpTransform.render(bytes, request);
      },
    };
    const renders = new WorkQueue({ ...queue, what: 'image renders' });
    const app = Fastify();
    registerErrorHandling(app, 1024 * 1024);
    const service = registerCdnRoutes(app, { blobs: store, sizes: SIZES, maxPixels: 50_000_000, transform, renders });
    await app.ready();
    const original = await bigJpeg();
    const name = `${createHash('md5').update(original).digest('hex')}.jpg`;
    await store.put(name, original);
    calls.length = 0;
    return { app, service, renders, calls, widths, release, name };
  }

  it('reads the original once for a burst of different variants of it (regression: each render read it again)', async () => {
    const { app, renders, calls, widths, release, name } = await gatedCdn({ concurrency: 1, maxWaiting: 10 });
    const sizes = ['100x', '200x', '300x', 'x100'];
    const answers = Promise.all(sizes.map((size) => app.inject({ method: 'GET', url: `/cdn/${withSize(name, size)}` })));
    await until(() => widths.length === 1 && renders.stats().waiting === 3);
    release();
    expect((await answers).map((res) => res.statusCode)).toEqual([200, 200, 200, 200]);
    expect(calls.filter((call) => call === `get ${name}`)).toHaveLength(1);
    await app.close();
  });

  it('answers 503 with Retry-After when the wait list is full, while stored files are served at once (regression: every render was queued without bound)', async () => {
    const { app, renders, widths, release, name } = await gatedCdn({ concurrency: 1, maxWaiting: 1 });
    const first = app.inject({ method: 'GET', url: `/cdn/${withSize(name, '100x')}` });
    const second = app.inject({ method: 'GET', url: `/cdn/${withSize(name, '200x')}` });
    await until(() => widths.length === 1 && renders.stats().waiting === 1);

    const shed = await app.inject({ method: 'GET', url: `/cdn/${withSize(name, '300x')}` });
    expect(shed.statusCode).toBe(503);
    expect(shed.headers).toMatchObject({ 'retry-after': '1', 'cache-control': 'no-store' });
    expect(shed.json()).toEqual({ errors: ['Service Unavailable: too many image renders are waiting, retry shortly'] });
    const stored = await app.inject({ method: 'GET', url: `/cdn/${name}` });
    expect(stored.statusCode).toBe(200);

    release();
    expect([(await first).statusCode, (await second).statusCode]).toEqual([200, 200]);
    expect(renders.stats()).toMatchObject({ started: 2, shed: 1 });
    await app.close();
  });

  it('cancels a queued render once every client waiting for it has gone, and keeps one someone still waits for (regression: renders ran for nobody)', async () => {
    const { app, service, renders, widths, release, name } = await gatedCdn({ concurrency: 1, maxWaiting: 10 });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const get = (size: string, signal?: AbortSignal) => fetch(`${base}/cdn/${withSize(name, size)}`, signal ? { signal } : {});
    const running = get('100x');
    await until(() => widths.length === 1);
    const leaving = [new AbortController(), new AbortController()];
    const staying = get('200x');
    const gone = [get('200x', leaving[0]!.signal), get('300x', leaving[1]!.signal)].map((res) => res.catch((err: unknown) => err));
    await until(() => renders.stats().waiting === 2 && service.stats().coalesced === 1);

    for (const controller of leaving) controller.abort();
    await Promise.all(gone);
    await until(() => service.stats().cancelled === 1 && renders.stats().waiting === 1);
    release();
    expect([(await running).status, (await staying).status]).toEqual([200, 200]);
    expect(widths).toEqual([100, 200]);
    expect(service.stats()).toEqual({ rendered: 2, coalesced: 1, cancelled: 1 });
    await app.close();
  });
});
