import { buffer } from 'node:stream/consumers';
import { type BlobStore, blobFromBytes } from './blob-store.js';

export interface MemoryCacheOptions {
  /** Total bytes kept in memory. */
  maxBytes: number;
  /** Larger files are always streamed from the store. */
  maxItemBytes: number;
}

/**
 * Keeps recently served small files in memory in front of another store. Names are content
 * addresses, so a cached copy can never be out of date; it can only outlive a deletion made by
 * another process, which is what the `immutable` caching headers already allow any CDN to do.
 * Deletions through this process drop the copy at once. Least recently used copies go first.
 */
export function createMemoryCachedBlobStore(inner: BlobStore, options: MemoryCacheOptions): BlobStore {
  const cache = new Map<string, Buffer>();
  let total = 0;

  const remember = (name: string, bytes: Buffer) => {
    if (bytes.length > options.maxItemBytes || cache.has(name)) return;
    cache.set(name, bytes);
    total += bytes.length;
    for (const [oldest, kept] of cache) {
      if (total <= options.maxBytes) break;
      cache.delete(oldest);
      total -= kept.length;
    }
  };
  const recall = (name: string) => {
    const bytes = cache.get(name);
    if (bytes) {
      // Re-inserting moves it to the back of the Map's order: the most recently used.
      cache.delete(name);
      cache.set(name, bytes);
    }
    return bytes;
  };
  const forget = (name: string) => {
    const bytes = cache.get(name);
    if (bytes) {
      cache.delete(name);
      total -= bytes.length;
    }
  };

  return {
    put: (name, bytes) => inner.put(name, bytes),
    async get(name) {
      const cached = recall(name);
      if (cached) return cached;
      const bytes = await inner.get(name);
      if (bytes) remember(name, bytes);
      return bytes;
    },
    async stream(name) {
      const cached = recall(name);
      if (cached) return blobFromBytes(cached);
      const blob = await inner.stream(name);
      if (!blob || blob.size > options.maxItemBytes) return blob;
      const bytes = blob.bytes ?? (await buffer(blob.body));
      remember(name, bytes);
      return blobFromBytes(bytes);
    },
    async has(name) {
      return cache.has(name) || inner.has(name);
    },
    async delete(name) {
      forget(name);
      return inner.delete(name);
    },
    async deleteFamily(hash) {
      for (const name of [...cache.keys()]) if (name.startsWith(hash)) forget(name);
      return inner.deleteFamily(hash);
    },
    list: () => inner.list(),
    ...(inner.sweepUnfinished ? { sweepUnfinished: (ms: number) => inner.sweepUnfinished!(ms) } : {}),
    ...(inner.hardLink ? { hardLink: (name: string, target: string) => inner.hardLink!(name, target) } : {}),
    ...(inner.checkWritable ? { checkWritable: () => inner.checkWritable!() } : {}),
  };
}
