import type { NotifyChange } from './database-dialect.js';
import type { ReadCache } from './read-cache.js';
import type { ProductEvents } from './webhook-outbox.js';

/** What a repository does when a product's images change: tell other processes, forget cached reads, and write webhook events in the same transaction. */
export interface ProductChanges {
  cache: ReadCache;
  notify: NotifyChange;
  events: ProductEvents;
}

/**
 * Runs a write of one product's images: held by the cache's write gate before it starts and again
 * before its result is returned (to be answered), and forgotten by the cache whatever the outcome.
 */
export async function changeProduct<T>(changes: ProductChanges, productId: string, write: () => Promise<T>): Promise<T> {
  await changes.cache.beforeWrite();
  let result: T;
  try {
    result = await write();
  } finally {
    changes.cache.invalidate(productId);
  }
  await changes.cache.beforeWrite();
  return result;
}
