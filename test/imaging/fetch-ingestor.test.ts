import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import type { IngestedImage } from '../../src/domain/ingest.js';
import type { BlobStore } from '../../src/imaging/blob-store.js';
import { createFetchIngestor } from '../../src/imaging/fetch-ingestor.js';
import { createLocalBlobStore } from '../../src/imaging/local-blob-store.js';
import { listAll } from './blob-store-suite.js';
import { htmlPage, jp2File, pixelBombPng, svgImage, truncatedJpeg } from './fixtures/hostile.js';
import {
  makeAnimatedGif,
  makeAvif,
  makeCmykJpeg,
  makeGif,
  makeJpeg,
  makePng,
  makeRotatedJpeg,
  makeWebp,
} from './fixtures/images.js';
import { type Origin, type Route, redirect, send, startOrigin, trickle } from './fixtures/origin-server.js';

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
const ignoredSize = { width: 1, height: 1 };
/** What the row stores; the handle to the kept bytes is let go. */
const rowOf = ({ keep, ...row }: IngestedImage) => {
  keep?.done();
  return row;
};

async function messagesOf(promise: Promise<unknown>): Promise<readonly string[]> {
  const error = await promise.then(
    () => new Error('expected the image to be refused'),
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError) || error.code !== 'Validation') throw error;
  return error.messages;
}

describe('createFetchIngestor', () => {
  let origin: Origin;
  let root: string;
  let blobs: BlobStore;
  const files: Record<string, Buffer> = {};

  beforeAll(async () => {
    Object.assign(files, {
      jpeg: await makeJpeg(),
      png: await makePng(),
      webp: await makeWebp(),
      gif: await makeGif(),
      animated: await makeAnimatedGif(),
      avif: await makeAvif(),
      cmyk: await makeCmykJpeg(),
      rotated: await makeRotatedJpeg(),
      jp2: jp2File({ width: 640, height: 480 }),
      truncated: await truncatedJpeg(),
    });
    const routes: Record<string, Route> = {
      '/html-as-png': send(htmlPage, 'image/png'),
      '/svg': send(svgImage, 'image/svg+xml'),
      '/empty': send(Buffer.alloc(0), 'image/jpeg'),
      '/bomb.png': send(pixelBombPng(), 'image/png'),
      '/big': send(Buffer.alloc(300 * 1024), 'image/jpeg'),
      '/slow': trickle,
      '/moved': redirect('/r/1'),
      '/r/1': redirect('/r/2', 301),
      '/r/2': redirect('/files/png'),
    };
    for (let i = 0; i < 7; i++) routes[`/loop/${i}`] = redirect(`/loop/${i + 1}`);
    for (const [name, bytes] of Object.entries(files)) routes[`/files/${name}`] = send(bytes, 'application/octet-stream');
    origin = await startOrigin(routes);
  });
  afterAll(() => origin.close());

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'prodimg-ingest-'));
    blobs = createLocalBlobStore(root);
    return () => rm(root, { recursive: true, force: true });
  });

  const ingestor = () => createFetchIngestor({ blobs, allowPrivate: true, maxBytes: 256 * 1024, totalTimeoutMs: 500 });

  it.each([
    ['jpeg', 'jpg', 40, 20],
    ['png', 'png', 40, 20],
    ['webp', 'webp', 40, 20],
    ['gif', 'gif', 40, 20],
    ['animated', 'gif', 40, 20],
    ['avif', 'avif', 40, 20],
    ['cmyk', 'jpg', 40, 20],
    ['rotated', 'jpg', 20, 40],
    ['jp2', 'jp2', 640, 480],
  ])('stores a %s as <md5>.%s with its measured size, ignoring the sent one', async (file, ext, width, height) => {
    const bytes = files[file]!;
    const name = `${md5(bytes)}.${ext}`;
    const result = await ingestor().ingest(origin.url(`/files/${file}`), ignoredSize);
    const { keep, ...row } = result;
    expect(row).toEqual({ src: name, path: name, width, height });
    expect(await keep?.restore()).toEqual(bytes);
    keep?.done();
    expect(await blobs.get(name)).toEqual(bytes);
    expect(await listAll(blobs)).toEqual([name]);
  });

  it('keeps one buffer for the same bytes downloaded several times at once (regression: a body of 50 copies held 50 copies until it committed)', async () => {
    const one = ingestor();
    const results = await Promise.all(Array.from({ length: 5 }, () => one.ingest(origin.url('/files/jpeg'), ignoredSize)));
    const kept = await Promise.all(results.map((result) => result.keep!.restore()));
    expect(kept).toEqual(Array.from({ length: 5 }, () => files.jpeg));
    for (const bytes of kept) expect(bytes).toBe(kept[0]);
    for (const result of results) result.keep!.done();
  });

  it('follows redirects to the image', async () => {
    const result = await ingestor().ingest(origin.url('/moved'), ignoredSize);
    expect(result.path).toBe(`${md5(files.png!)}.png`);
  });

  it('stores the same image fetched from two URLs once', async () => {
    const first = await ingestor().ingest(origin.url('/files/png'), ignoredSize);
    const second = await ingestor().ingest(origin.url('/moved'), ignoredSize);
    expect(rowOf(second)).toEqual(rowOf(first));
    expect(await listAll(blobs)).toEqual([first.path]);
  });

  it('reuses a stored original named by a library reference, without downloading it', async () => {
    const first = await ingestor().ingest(origin.url('/files/rotated'), ignoredSize);
    const hits = origin.hits.length;
    const again = await ingestor().ingest(first.path, { width: 5, height: 5 });
    expect(rowOf(again)).toEqual(rowOf(first));
    expect(origin.hits.length).toBe(hits);
  });

  it('stores a variant named by a library reference as an original of its own', async () => {
    const variant = files.png!;
    const variantName = `${'b'.repeat(32)}_40x.png`;
    await blobs.put(variantName, variant);
    const result = await ingestor().ingest(variantName, ignoredSize);
    const { keep, ...row } = result;
    expect(row).toEqual({ src: `${md5(variant)}.png`, path: `${md5(variant)}.png`, width: 40, height: 20 });
    expect(await keep?.restore()).toEqual(variant);
    keep?.done();
    expect(await blobs.get(`${md5(variant)}.png`)).toEqual(variant);
  });

  it('asks the CDN for a variant it has not stored yet (a query or a size never requested)', async () => {
    const asked: unknown[] = [];
    const rendering = createFetchIngestor({
      blobs,
      renderOwn: async (name, query) => {
        asked.push([name, query]);
        return files.gif!;
      },
    });
    const result = await rendering.ingest(`${'c'.repeat(32)}.png?width=100`, ignoredSize);
    expect(asked).toEqual([[`${'c'.repeat(32)}.png`, { width: '100' }]]);
    expect(result.path).toBe(`${md5(files.gif!)}.gif`);
  });

  it.each([
    ['an original', `${'d'.repeat(32)}.png`],
    ['a variant', `${'d'.repeat(32)}_100x.png`],
    ['a name outside the grammar', 'sub/x.png'],
  ])('refuses a library reference to %s that is not stored, with a clear message', async (_what, name) => {
    expect(await messagesOf(ingestor().ingest(name, ignoredSize))).toEqual([`Src names a file that is not in the image library (${name})`]);
    expect(await readdir(root)).toEqual([]);
  });

  describe('refusals store nothing', () => {
    it.each([
      ['HTML served as image/png', '/html-as-png', 'Src is not a supported image (got text/html)'],
      ['SVG', '/svg', 'Src is not a supported image (got image/svg+xml)'],
      ['an empty body', '/empty', 'Src is not a supported image (got empty body)'],
      ['a truncated JPEG', '/files/truncated', 'Src is not a valid image (the file is truncated or corrupt)'],
      ['a pixel bomb', '/bomb.png', 'Src image is too large (maximum is 50 megapixels)'],
      ['an oversized body', '/big', 'Src is too large (maximum is 256 KB)'],
      ['a 404', '/nowhere.png', 'Src could not be downloaded: the server answered 404'],
      ['a redirect loop', '/loop/0', 'Src could not be downloaded: too many redirects (maximum is 5)'],
      ['a slow origin', '/slow', 'Src could not be downloaded: the download took longer than 0.5s'],
    ])('%s', async (_what, path, message) => {
      expect(await messagesOf(ingestor().ingest(origin.url(path), ignoredSize))).toEqual([message]);
      expect(await readdir(root)).toEqual([]);
    });

    it('a private address, with the guard on by default', async () => {
      const guarded = createFetchIngestor({ blobs });
      const hits = origin.hits.length;
      expect(await messagesOf(guarded.ingest(origin.url('/files/png', 'localhost'), ignoredSize))).toEqual([
        'Src points to a private address',
      ]);
      expect(origin.hits.length).toBe(hits);
      expect(await readdir(root)).toEqual([]);
    });

    it('a configured pixel limit', async () => {
      const small = createFetchIngestor({ blobs, allowPrivate: true, maxPixels: 500 });
      expect(await messagesOf(small.ingest(origin.url('/files/png'), ignoredSize))).toEqual([
        'Src image is too large (maximum is 500 pixels)',
      ]);
      expect(await readdir(root)).toEqual([]);
    });
  });
});
