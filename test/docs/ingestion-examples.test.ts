import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { failureMessage } from '../../src/imaging/failure-message.js';
import { htmlPage, pixelBombPng, svgImage, truncatedJpeg } from '../imaging/fixtures/hostile.js';
import { makeJpeg } from '../imaging/fixtures/images.js';
import { type Origin, redirect, send, startOrigin } from '../imaging/fixtures/origin-server.js';
import { startApi, type TestApi } from '../support/api.js';

/**
 * The examples that need ingestion on (the default): docs/images.md's table of refused downloads, each
 * message answered by a real server for a real origin that has the problem; the README's ingestion
 * example; the `src` URLs each setting makes. The two timeouts take 10 s and 30 s with
 * the default settings, too long for `npm test`: their messages are made by the function that words
 * every refusal, from the default settings (test/imaging/safe-fetch.test.ts times them out for real
 * with short limits).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const IMAGES_MD = readFileSync(join(ROOT, 'docs/images.md'), 'utf8');

/** Every message of the table, fragments like `(got image/svg+xml)` completed from the message before them. */
function documented(): string[] {
  const lines = IMAGES_MD.split('\n');
  const start = lines.findIndex((line) => line.startsWith('| Problem | Message |'));
  expect(start).toBeGreaterThan(0);
  const messages: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cell = line.split(' | ')[1]!;
    let full = '';
    for (const [, span] of cell.matchAll(/`([^`]+)`/g)) {
      full = span!.startsWith('(') ? full.replace(/\([^)]*\)$/, span!) : span!;
      messages.push(full);
    }
  }
  return messages;
}

describe('ingestion examples of the docs, answered by a real server with ingestion on', () => {
  let api: TestApi;
  let closed: TestApi;
  let origin: Origin;
  let productId: string;
  const defaults = loadConfig({});

  beforeAll(async () => {
    const [jpeg, bomb, truncated] = await Promise.all([makeJpeg(8, 8), pixelBombPng(), truncatedJpeg()]);
    origin = await startOrigin({
      '/photo.jpg': send(jpeg, 'image/jpeg'),
      '/page.jpg': send(htmlPage, 'image/jpeg'),
      '/drawing.jpg': send(svgImage, 'image/jpeg'),
      '/empty.jpg': send(Buffer.alloc(0), 'image/jpeg'),
      '/bomb.png': send(bomb, 'image/png'),
      '/truncated.jpg': send(truncated, 'image/jpeg'),
      '/loop.jpg': redirect('/loop.jpg'),
      // Announces more than the default 20 MiB, then stalls: refused on the header, before any body is read.
      '/huge.jpg': (_request, response) => {
        response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(defaults.maxSourceBytes + 1) });
        response.write(jpeg);
      },
    });
    // The origin is on loopback: this server may fetch from it, and keeps every other default.
    api = await startApi('sqlite', { env: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1' } });
    // And one with the address guard closed, as by default.
    closed = await startApi('sqlite', { env: { PRODIMG_INGEST: 'fetch' } });
    productId = (await api.product(0)).id;
  });
  afterAll(async () => {
    await api?.close();
    await closed?.close();
    await origin?.close();
  });

  const create = (path: string, on = api, product = productId) => on.call('POST', `products/${product}/images`, { image: { src: origin.url(path) } });

  const CASES: Record<string, () => Promise<{ statusCode: number; body: string } | string>> = {
    'Src could not be downloaded: connection timed out after 10s': async () => failureMessage({ kind: 'connect-timeout', ms: defaults.fetchConnectTimeoutMs }),
    'Src could not be downloaded: the download took longer than 30s': async () => failureMessage({ kind: 'total-timeout', ms: defaults.fetchTimeoutMs }),
    'Src could not be downloaded: the server answered 404': () => create('/missing.jpg'),
    'Src could not be downloaded: the host name could not be resolved': () =>
      api.call('POST', `products/${productId}/images`, { image: { src: 'http://no-such-host.invalid/photo.jpg' } }),
    'Src could not be downloaded: too many redirects (maximum is 5)': () => create('/loop.jpg'),
    'Src is too large (maximum is 20 MB)': () => create('/huge.jpg'),
    'Src is not a supported image (got text/html)': () => create('/page.jpg'),
    'Src is not a supported image (got image/svg+xml)': () => create('/drawing.jpg'),
    'Src is not a supported image (got empty body)': () => create('/empty.jpg'),
    'Src image is too large (maximum is 50 megapixels)': () => create('/bomb.png'),
    'Src is not a valid image (the file is truncated or corrupt)': () => create('/truncated.jpg'),
    'Src points to a private address': async () => create('/photo.jpg', closed, (await closed.product(0)).id),
  };

  it('the table has these messages, and only these', () => {
    expect(documented()).toEqual(Object.keys(CASES));
  });

  it.each(Object.keys(CASES))('%s', async (message) => {
    const res = await CASES[message]!();
    if (typeof res === 'string') expect(res).toBe(message);
    else expect({ status: res.statusCode, body: res.body }).toEqual({ status: 422, body: JSON.stringify({ errors: [message] }) });
  });

  it("inside a product's `images`, each message is prefixed with the entry's number: `Image 2: ...`", async () => {
    expect(IMAGES_MD).toContain("Inside a product's `images`, each message is prefixed with the entry's number: `Image 2: ...`.");
    const res = await api.call('POST', 'products', { product: { title: 'T', images: [{ src: origin.url('/photo.jpg') }, { src: origin.url('/missing.jpg') }] } });
    expect({ status: res.statusCode, body: res.json() }).toEqual({ status: 422, body: { errors: ['Image 2: Src could not be downloaded: the server answered 404'] } });
  });

  it("the README's example: `src` on our CDN made from the Host, the size measured, resized copies served", async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\s*\n\s*/g, ' ');
    const [, host, , ext] = /`"src":"\/\/([\d.:]+)\/cdn\/([0-9a-f]{32})\.(\w+)"` \(made from the Host the request came to/.exec(readme)!;
    const [, width, height] = /`"width":(\d+),"height":(\d+)` \(measured\)/.exec(readme)!;
    const copy = /serves resized copies such as `http:\/\/[\d.:]+\/cdn\/[0-9a-f]{32}(_\w+\.\w+\?format=(\w+))`/.exec(readme)!;
    const photo = await makeJpeg(Number(width), Number(height));
    const shop = await startOrigin({ [`/front.${ext}`]: send(photo, 'image/jpeg') });
    try {
      // Sizes sent are validated, then ignored: the file's own are answered.
      const res = await api.call('POST', `products/${productId}/images`, { image: { src: shop.url(`/front.${ext}`), width: 10, height: 10 } }, { host: host! });
      expect(res.statusCode, res.body).toBe(200);
      const answered = res.json().image;
      expect(answered).toMatchObject({ width: Number(width), height: Number(height), src: expect.stringMatching(new RegExp(`^//${host!.replace(/\./g, '\\.')}/cdn/[0-9a-f]{32}\\.${ext}$`)) });
      const resized = await api.app.inject({ method: 'GET', url: `/cdn/${answered.path.replace(`.${ext}`, '')}${copy[1]}` });
      expect([resized.statusCode, resized.headers['content-type']]).toEqual([200, `image/${copy[2]}`]);
    } finally {
      await shop.close();
    }
  });

  it('`src` is made per answer: `//cdn.example.com/<name>` (PRODIMG_CDN_HOST), `//<Host>/cdn/<name>`, `//prodimg.example.com/cdn/<name>` (PRODIMG_PUBLIC_URL, without a Host)', async () => {
    const serving = readFileSync(join(ROOT, 'docs/images.md'), 'utf8').replace(/\s*\n\s*/g, ' ');
    expect(serving).toContain('from `PRODIMG_CDN_HOST` (`//cdn.example.com/<name>`, or `host:port/path`)');
    expect(serving).toContain('Without a Host it is `PRODIMG_PUBLIC_URL` (`https://prodimg.example.com`, answered as `//prodimg.example.com/cdn/<name>`)');
    const photo = await makeJpeg(12, 9);
    const shop = await startOrigin({ '/p.jpg': send(photo, 'image/jpeg') });
    const env = { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1' };
    const [cdn, published] = await Promise.all([
      startApi('sqlite', { env: { ...env, PRODIMG_CDN_HOST: 'cdn.example.com' } }),
      startApi('sqlite', { env: { ...env, PRODIMG_PUBLIC_URL: 'https://prodimg.example.com' } }),
    ]);
    try {
      const made = async (on: TestApi) => {
        const { id } = await on.product(0);
        const res = await on.call('POST', `products/${id}/images`, { image: { src: shop.url('/p.jpg') } });
        expect(res.statusCode, res.body).toBe(200);
        return { path: `/openapi/2022-01/products/${id}/images/${res.json().image.id}`, image: res.json().image };
      };
      const viaCdn = await made(cdn);
      expect(viaCdn.image.src).toBe(`//cdn.example.com/${viaCdn.image.path}`);
      const viaHost = await made(published);
      expect(viaHost.image.src).toBe(`//${published.base.replace('http://', '')}/cdn/${viaHost.image.path}`);
      // HTTP/1.0 may leave the Host out.
      const { hostname, port } = new URL(published.base);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), hostname, () => socket.write(`GET ${viaHost.path} HTTP/1.0\r\nAccess-Token: ${published.token}\r\n\r\n`));
        let data = '';
        socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
        socket.on('error', reject);
        socket.on('close', () => resolve(data));
      });
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).image.src).toBe(`//prodimg.example.com/cdn/${viaHost.image.path}`);
    } finally {
      await Promise.all([cdn.close(), published.close(), shop.close()]);
    }
  });

  it('nothing is written to the database when a download is refused', async () => {
    expect(IMAGES_MD).toContain('Nothing is written to the database when any step fails.');
    const count = async () => (await api.call('GET', `products/${productId}/images/count`)).json().count;
    const before = await count();
    expect((await create('/bomb.png')).statusCode).toBe(422);
    expect(await count()).toBe(before);
  });
});
