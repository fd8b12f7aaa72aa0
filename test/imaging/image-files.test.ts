import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/imaging/blob-store.js';
import { createImageFiles } from '../../src/imaging/image-files.js';
import { createLocalBlobStore } from '../../src/imaging/local-blob-store.js';
import { createMemoryCachedBlobStore } from '../../src/imaging/memory-cached-blob-store.js';
import { listAll, nameFor } from './blob-store-suite.js';

/** A handle as the ingestor gives one under its memory budget. */
const inMemory = (bytes: Buffer) => ({ restore: async () => bytes, done() {} });

describe('image files kept in step with their rows', () => {
  let root: string;
  let blobs: BlobStore;
  const bytes = Buffer.from('a stored image');
  const name = nameFor(bytes, 'jpg');
  const variant = nameFor(bytes, 'webp', '_400x');

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'prodimg-files-'));
    blobs = createLocalBlobStore(root);
    await blobs.put(name, bytes);
    await blobs.put(variant, bytes);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('keeps a file some row still uses', async () => {
    await createImageFiles(blobs, async () => true).release([name]);
    expect(await listAll(blobs)).toEqual([name, variant].sort());
  });

  it('removes a file nobody uses, with its variants', async () => {
    await createImageFiles(blobs, async () => false).release([name, name]);
    expect(await listAll(blobs)).toEqual([]);
  });

  it('ignores paths that are not names of our library (ingestion off)', async () => {
    await createImageFiles(blobs, async () => false).release(['photo.jpg', '']);
    expect(await listAll(blobs)).toHaveLength(2);
  });

  it('puts the file back when a row adopted it while it was being released', async () => {
    // First look: unused. Second look, after the delete: a concurrent create has committed a row.
    const answers = [false, true];
    await createImageFiles(blobs, async () => answers.shift() ?? true).release([name]);
    expect(await blobs.get(name)).toEqual(bytes);
  });

  it('ensure restores a file removed between ingestion and commit, and leaves a present one alone', async () => {
    const files = createImageFiles(blobs, async () => true);
    await blobs.deleteFamily(name.slice(0, 32));
    await files.ensure({ src: `//cdn/${name}`, path: name, width: 1, height: 1, keep: inMemory(bytes) });
    expect(await blobs.get(name)).toEqual(bytes);
    await files.ensure({ src: `//cdn/${name}`, path: name, width: 1, height: 1, keep: inMemory(Buffer.from('other')) });
    expect(await blobs.get(name)).toEqual(bytes);
  });

  it('ensure reads kept bytes back only when the file went, and fails loudly when they were lost too', async () => {
    const files = createImageFiles(blobs, async () => true);
    let restored = 0;
    const lost = { restore: async () => (restored++, null), done() {} };
    await files.ensure({ src: name, path: name, width: 1, height: 1, keep: lost });
    expect(restored).toBe(0);
    await blobs.deleteFamily(name.slice(0, 32));
    await expect(files.ensure({ src: name, path: name, width: 1, height: 1, keep: lost })).rejects.toThrow(`the file ${name} went before its row committed`);
  });

  it('ensure asks the store, not a memory cache in front of it, whether the file is still there', async () => {
    // This process served the file (so it is in memory); another process then removed it from the store.
    const cached = createMemoryCachedBlobStore(blobs, { maxBytes: 1024 * 1024, maxItemBytes: 1024 * 1024 });
    expect(await cached.get(name)).toEqual(bytes);
    await blobs.deleteFamily(name.slice(0, 32));
    await createImageFiles(cached, async () => true, blobs).ensure({ src: name, path: name, width: 1, height: 1, keep: inMemory(bytes) });
    expect(await blobs.get(name)).toEqual(bytes);
  });
});
