import type { BlobStore } from './blob-store.js';

/**
 * A store made on first use by `open`, for adapters whose libraries are slow to load (the AWS SDK
 * takes most of a second): a server or command that never touches it does not pay for it. `open`
 * runs once; a failure is not kept, so the next call tries again.
 */
export function createLazyBlobStore(open: () => Promise<BlobStore>): BlobStore {
  let opened: Promise<BlobStore> | undefined;
  const store = () => {
    opened ??= open().catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    return opened;
  };
  return {
    put: async (name, bytes) => (await store()).put(name, bytes),
    get: async (name) => (await store()).get(name),
    stream: async (name) => (await store()).stream(name),
    has: async (name) => (await store()).has(name),
    delete: async (name) => (await store()).delete(name),
    deleteFamily: async (hash) => (await store()).deleteFamily(hash),
    async *list() {
      yield* (await store()).list();
    },
    // Every lazily made adapter (S3) has these two; hardLink is for files on a local disk only.
    sweepUnfinished: async (olderThanMs) => (await store()).sweepUnfinished!(olderThanMs),
    checkWritable: async () => (await store()).checkWritable!(),
  };
}
