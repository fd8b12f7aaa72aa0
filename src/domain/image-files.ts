import type { IngestedImage } from './ingest.js';

/**
 * Keeps stored files in step with the rows that reference them. Files are content-addressed and
 * shared (by every image, of every store, with the same bytes), so a file goes only when the last
 * row naming it goes. Both calls run after the database change has committed; together they close
 * the race between one request releasing a file and another adopting the same bytes (see
 * imaging/image-files.ts).
 */
export interface ImageFiles {
  /**
   * After a row naming `image.path` committed: put the file back (from `image.keep`) if a concurrent
   * release removed it. It does not let go of `keep`: the caller does, on every path.
   */
  ensure(image: IngestedImage): Promise<void>;
  /** After rows stopped naming these paths: remove each file (and its variants) no row names any more. */
  release(paths: readonly string[]): Promise<void>;
}
