import type { NotifyChange } from './change-feed.js';
import type { ReadCache } from './read-cache.js';

/** What a repository does when a product's images change: tell other processes, forget cached reads. */
export interface ProductChanges {
  cache: ReadCache;
  notify: NotifyChange;
}
