import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/imaging/blob-store.js';
import { createLocalBlobStore } from '../../src/imaging/local-blob-store.js';
import { createMemoryCachedBlobStore } from '../../src/imaging/memory-cached-blob-store.js';
import { blobStoreSuite, nameFor } from './blob-store-suite.js';

blobStoreSuite('memory cache over local disk', async () => {
  const root = await mkdtemp(join(tmpdir(), 'prodimg-memory-'));
  const store = createMemoryCachedBlobStore(createLocalBlobStore(root), { maxBytes: 1024 * 1024, maxItemBytes: 64 * 1024 });
  return { store, dispose: () => rm(root, { recursive: true, force: true }) };
});

/** Counts reads that reach the store underneath. */
function counting(inner: BlobStore): BlobStore & { reads: number } {
  const counter = {
    ...inner,
    reads: 0,
    async stream(name: string) {
      counter.reads++;
      return inner.stream(name);
    },
  };
  return counter;
}

describe('memory cache in front of a blob store', () => {
  it('serves a repeated small file from memory, as a Buffer, and drops it on delete', async () => {
    const root = await mkdtemp(join(tmpdir(), 'prodimg-memory-'));
    try {
      const inner = counting(createLocalBlobStore(root));
      const store = createMemoryCachedBlobStore(inner, { maxBytes: 1024, maxItemBytes: 512 });
      const bytes = Buffer.from('small file');
      const name = nameFor(bytes);
      await store.put(name, bytes);
      expect((await store.stream(name))?.bytes).toEqual(bytes);
      expect((await store.stream(name))?.bytes).toEqual(bytes);
      expect(inner.reads).toBe(1);
      await store.deleteFamily(name.slice(0, 32));
      expect(await store.stream(name)).toBeNull();
      expect(await store.has(name)).toBe(false);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('keeps at most maxBytes, dropping the least recently used, and never holds big files', async () => {
    const root = await mkdtemp(join(tmpdir(), 'prodimg-memory-'));
    try {
      const inner = counting(createLocalBlobStore(root));
      const store = createMemoryCachedBlobStore(inner, { maxBytes: 250, maxItemBytes: 100 });
      const files = ['a', 'b', 'c'].map((c) => Buffer.alloc(100, c));
      const names = files.map((f) => nameFor(f));
      const big = Buffer.alloc(101, 'z');
      for (const [i, f] of files.entries()) await store.put(names[i]!, f);
      await store.put(nameFor(big), big);
      await store.stream(names[0]!);
      await store.stream(names[1]!);
      await store.stream(names[0]!); // a is now the most recently used
      await store.stream(names[2]!); // over 250 bytes: b goes
      const before = inner.reads;
      await store.stream(names[0]!);
      await store.stream(names[2]!);
      expect(inner.reads).toBe(before);
      await store.stream(names[1]!);
      expect(inner.reads).toBe(before + 1);
      await store.stream(nameFor(big));
      await store.stream(nameFor(big));
      expect(inner.reads).toBe(before + 3);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
