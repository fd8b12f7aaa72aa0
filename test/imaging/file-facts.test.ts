import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/imaging/blob-store.js';
import { createFileFactsReader, isStored } from '../../src/imaging/file-facts.js';
import { createLocalBlobStore } from '../../src/imaging/local-blob-store.js';
import { StoredFactsCache } from '../../src/imaging/stored-facts-cache.js';
import { nameFor } from './blob-store-suite.js';
import { makeJpeg, makeRotatedJpeg } from './fixtures/images.js';

describe('file facts: what the audit learns of an image file', () => {
  let root: string;
  let blobs: BlobStore;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'prodimg-facts-'));
    blobs = createLocalBlobStore(join(root, 'images'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const stored = (name: string) => ({ src: name, path: name });

  it.each([
    ['a stored name', 'ab'.repeat(16) + '.jpg', 'ab'.repeat(16) + '.jpg', true],
    ['a URL kept as sent (ingestion off)', 'https://img.example.com/a.jpg', 'a.jpg', false],
    ['a URL whose last part looks like a stored name', `https://cdn.example.com/${'ab'.repeat(16)}.jpg`, `${'ab'.repeat(16)}.jpg`, false],
  ])('%s: in the library %s', (_what, src, path, inLibrary) => {
    expect(isStored({ src, path })).toBe(inLibrary);
  });

  it('a stored file: its byte size, its size as displayed (EXIF orientation applied), its name\'s hash', async () => {
    const bytes = await makeRotatedJpeg();
    const name = nameFor(bytes, 'jpg');
    await blobs.put(name, bytes);
    const reader = createFileFactsReader({ blobs, maxPixels: 50_000_000 });
    expect(await reader.read(stored(name))).toEqual({ kind: 'read', bytes: bytes.length, width: 20, height: 40, hash: name.slice(0, 32) });
  });

  it('with a cache, a stored file read whole is read once; a missing one is looked for again', async () => {
    const bytes = await makeJpeg(31, 17);
    const name = nameFor(bytes, 'jpg');
    await blobs.put(name, bytes);
    const gets: string[] = [];
    const counting: BlobStore = { ...blobs, get: (asked) => (gets.push(asked), blobs.get(asked)) };
    const cache = new StoredFactsCache();
    const facts = { kind: 'read', bytes: bytes.length, width: 31, height: 17, hash: name.slice(0, 32) };
    expect(await createFileFactsReader({ blobs: counting, maxPixels: 50_000_000, cache }).read(stored(name))).toEqual(facts);
    // A later audit (a new reader, the same cache) does not read the file again.
    expect(await createFileFactsReader({ blobs: counting, maxPixels: 50_000_000, cache }).read(stored(name))).toEqual(facts);
    expect(gets).toEqual([name]);
    const absent = nameFor('stored later', 'jpg');
    const reader = createFileFactsReader({ blobs: counting, maxPixels: 50_000_000, cache });
    expect(await reader.read(stored(absent))).toEqual({ kind: 'missing' });
    expect(await reader.read(stored(absent))).toEqual({ kind: 'missing' });
    expect(gets).toEqual([name, absent, absent]);
  });

  it('a name not stored is missing; a truncated file or one over the pixel limit is unreadable, with why', async () => {
    const reader = createFileFactsReader({ blobs, maxPixels: 50_000_000 });
    expect(await reader.read(stored(nameFor('never stored', 'jpg')))).toEqual({ kind: 'missing' });
    const whole = await makeJpeg(400, 300);
    const cut = whole.subarray(0, Math.floor(whole.length / 2));
    await blobs.put(nameFor(cut, 'jpg'), cut);
    expect(await reader.read(stored(nameFor(cut, 'jpg')))).toEqual({ kind: 'unreadable', reason: 'Src is not a valid image (the file is truncated or corrupt)' });
    const big = await makeJpeg(100, 100);
    await blobs.put(nameFor(big, 'jpg'), big);
    const strict = createFileFactsReader({ blobs, maxPixels: 1000 });
    expect(await strict.read(stored(nameFor(big, 'jpg')))).toEqual({ kind: 'unreadable', reason: 'Src image is too large (maximum is 1000 pixels)' });
  });

  it('an external image is not checked unless the reader may fetch', async () => {
    const reader = createFileFactsReader({ blobs, maxPixels: 50_000_000 });
    expect(await reader.read({ src: 'https://img.example.com/a.jpg', path: 'a.jpg' })).toEqual({ kind: 'not-checked' });
    await reader.close();
  });
});
