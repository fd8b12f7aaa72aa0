import type { ListedProduct, ProductListQuery } from '../client/types.js';
import type { Clock } from '../domain/ports.js';
import { DomainError } from '../domain/errors.js';
import type { ProductService } from '../domain/product-service.js';
import type { MirrorSources } from '../storage/mirror-sources.js';
import { entryFromApiProduct } from './api-product-entry.js';
import type { CatalogueEntry, RowProblem } from './catalogue-entry.js';
import type { CatalogueWriter, EntryResult } from './catalogue-writer.js';
import { nextMirrorPoint, sourceTime } from './mirror-point.js';
import { type MirrorSource, SourceError, withAbsoluteSrcs } from './mirror-source.js';

export interface MirrorProgress {
  done: number;
  /** The products the source counted for this pass when it began. */
  total: number;
  created: number;
  updated: number;
  failed: number;
}

export interface MirrorSummary extends MirrorProgress {
  /** The `updated_at_min` this pass asked for; null for a full pass. */
  since: string | null;
  /** The one the next pass will ask for. */
  next: string | null;
  /** Products the source listed in this pass. */
  fetched: number;
  /** Local products deleted because the source has no product with their handle (with `prune`). */
  pruned: number;
  /** Every failed product's problems, "line" being its place in this pass's listing. */
  failures: Array<RowProblem & { handle: string }>;
}

export interface MirrorOptions {
  shopId: string;
  source: MirrorSource;
  /** `updated_at_min` of this pass (a saved point), or null for all of the source's products. */
  since: string | null;
  prune: boolean;
  /** Products per page asked of the source (1 to 250). */
  perPage: number;
  /** Products applied at once. */
  concurrency: number;
  writer: CatalogueWriter;
  products: ProductService;
  state: MirrorSources;
  clock: Clock;
  onProgress?: (progress: MirrorProgress) => void;
}

/** Pages of the handle listing for a prune: only the handles, as many as a page holds. */
const HANDLES_PER_PAGE = 250;

/**
 * One pass of a mirror: the source's products changed since `since` (all of them without it), page
 * after page with its cursor, each applied to the local store by handle through the catalogue writer
 * (its images downloaded by the guarded pipeline, a file known from an earlier pass reused). A product
 * that fails is reported and the pass goes on; a source that fails (refusal, network, an answer that
 * is not a product list) ends it with a `SourceError`, before anything is pruned or saved. Only then,
 * with `prune`, every handle of the source is listed and local products with another handle deleted,
 * and the next pass's point is saved.
 */
export async function runMirror(options: MirrorOptions): Promise<MirrorSummary> {
  const { client } = options.source;
  const filter = options.since === null ? {} : { updated_at_min: options.since };
  const total = await client.products.count(filter);
  if (typeof total !== 'number') throw new SourceError(`${options.source.url} did not answer a product count`, false);
  // Taken before the first page is asked for: changes after it are in the next pass (mirror-point.ts).
  const sourceDate = options.source.lastDate();
  const progress: MirrorProgress = { done: 0, total, created: 0, updated: 0, failed: 0 };
  options.onProgress?.({ ...progress });
  let fetched = 0;
  let newestSeen: number | undefined;
  let oldestFailed: number | undefined;
  let failedUntimed = false;
  const failures: MirrorSummary['failures'] = [];
  const listed = pages(options.source, { ...filter, per_page: options.perPage }, total)[Symbol.asyncIterator]();
  let stopped = false;
  const worker = async () => {
    while (!stopped) {
      const next = await listed.next();
      if (next.done) return;
      const seq = ++fetched;
      const updatedAt = sourceTime((next.value as { updated_at?: unknown }).updated_at);
      if (updatedAt !== undefined) newestSeen = Math.max(newestSeen ?? updatedAt, updatedAt);
      const entry = entryFromApiProduct(withAbsoluteSrcs(next.value, options.source.url), seq, seq);
      const result = await applyWhenFree(options, entry);
      progress.done += 1;
      progress[result.outcome] += 1;
      if (result.outcome === 'failed') {
        failures.push(...result.problems.map((problem) => ({ ...problem, handle: entry.handle })));
        if (updatedAt === undefined) failedUntimed = true;
        else oldestFailed = Math.min(oldestFailed ?? updatedAt, updatedAt);
      }
      options.onProgress?.({ ...progress });
    }
  };
  const settled = await Promise.allSettled(
    Array.from({ length: Math.max(1, options.concurrency) }, () =>
      worker().catch((err: unknown) => {
        stopped = true;
        throw err;
      }),
    ),
  );
  await listed.return?.(undefined);
  const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;

  const pruned = options.prune ? await prune(options) : 0;
  const next = nextMirrorPoint({ since: options.since, sourceDate, newestSeen, oldestFailed, failedUntimed });
  await options.state.record(options.shopId, options.source.url, next, options.clock());
  failures.sort((a, b) => a.line - b.line);
  return { ...progress, since: options.since, next, fetched, pruned, failures };
}

/** Tries of a product the local image library was too busy to take. */
const BUSY_TRIES = 8;

/**
 * Applies a product; when the local library refuses it for being saturated (its bounded download and
 * decode queues, the same that keep a server answering), waits and tries again: a mirror has time,
 * and the product is fine.
 */
async function applyWhenFree(options: MirrorOptions, entry: CatalogueEntry): Promise<EntryResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await options.writer.apply(options.shopId, entry);
    } catch (err) {
      if (!(err instanceof DomainError && err.code === 'Overloaded') || attempt >= BUSY_TRIES) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 8000)));
    }
  }
}

/**
 * The most pages a listing of `count` products, `perPage` a page, may take: twice what the count
 * implies and ten more, since products made during the pass are listed too. Beyond it the source's
 * cursors do not end, and the pass fails rather than run forever.
 */
function pageBound(count: number, perPage: number): number {
  return 2 * Math.ceil(count / perPage) + 10;
}

/**
 * The source's products, page after page, following each page's cursor until one answers none. A
 * cursor answered twice (a circle) or more pages than `count` allows fail the listing (SourceError).
 */
async function* pages(
  source: MirrorSource,
  query: Omit<ProductListQuery, 'cursor' | 'pre_cursor'> & { per_page: number },
  count: number,
): AsyncGenerator<ListedProduct, void, undefined> {
  const maxPages = pageBound(count, query.per_page);
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let listed = 1; ; listed++) {
    const page = await source.client.products.list({ ...query, ...(cursor ? { cursor } : {}) });
    if (!Array.isArray(page?.products)) throw new SourceError(`${source.url} did not answer a product list`, false);
    yield* page.products;
    // '' on the last page.
    if (!page.cursor || page.products.length === 0) return;
    if (seen.has(page.cursor)) throw new SourceError(`${source.url} answered the cursor ${shown(page.cursor)} a second time, after ${listed} pages: its listing goes round in a circle`, false);
    if (listed >= maxPages) throw new SourceError(`${source.url} listed ${listed} pages of ${query.per_page} and still answered a next cursor, for ${count} products: its listing does not end`, false);
    seen.add(page.cursor);
    cursor = page.cursor;
  }
}

/** A cursor of the source in an error line: quoted, escaped, and short, whatever it holds. */
const shown = (cursor: string) => JSON.stringify(cursor.length > 60 ? `${cursor.slice(0, 60)}...` : cursor);

/** Deletes the local products whose handle the source does not have; the whole listing first, so a failure deletes nothing. */
async function prune(options: MirrorOptions): Promise<number> {
  const handles = new Set<string>();
  const count = await options.source.client.products.count();
  if (typeof count !== 'number') throw new SourceError(`${options.source.url} did not answer a product count`, false);
  for await (const product of pages(options.source, { fields: 'handle', per_page: HANDLES_PER_PAGE }, count)) {
    const handle = (product as { handle?: unknown }).handle;
    if (typeof handle !== 'string') throw new SourceError(`${options.source.url} listed a product without its handle`, false);
    handles.add(handle);
  }
  let pruned = 0;
  for (const local of await options.state.localHandles(options.shopId)) {
    if (handles.has(local.handle)) continue;
    try {
      await options.products.delete(options.shopId, local.id);
      pruned += 1;
    } catch (err) {
      // Deleted meanwhile by someone else: gone either way.
      if (!(err instanceof DomainError && err.code === 'RecordNotFound')) throw err;
    }
  }
  return pruned;
}
