import type { Problems } from '../contract/fields.js';
import { readNewImage } from '../contract/image-body.js';
import { isLibraryReference } from '../domain/ingest.js';
import { librarySrc, type WireContext } from '../contract/library-src.js';
import { parseProductCreate, parseProductUpdate } from '../contract/product-body.js';
import type { NewImage, ProductImageEntry, ProductVariantEntry, ProductWithImages } from '../domain/entities.js';
import { DomainError } from '../domain/errors.js';
import type { Clock } from '../domain/ports.js';
import type { ProductService } from '../domain/product-service.js';
import type { BlobStore } from '../imaging/blob-store.js';
import { isBlobName } from '../imaging/blob-store.js';
import type { ImportJournal, ItemOutcome } from '../storage/import-journal.js';
import type { CatalogueEntry, EntryVariant, RowProblem } from './catalogue-entry.js';

export interface EntryResult {
  outcome: ItemOutcome;
  /** Every line of a failed product, each with its reason; empty otherwise. */
  problems: RowProblem[];
  /** The number of images the product has now (0 when it failed). */
  images: number;
}

export interface CatalogueWriterDeps {
  products: ProductService;
  journal: ImportJournal;
  /** The durable store: a source's earlier file is reused only if it is really there. */
  blobs: BlobStore;
  /** Which `src` URLs are our own CDN's (they name library files, nothing is downloaded). */
  wire: WireContext;
  clock: Clock;
}

/**
 * Applies one product of an input to a store, all or nothing: created when no product of the store
 * has its handle, updated when one does (its fields, options and variants as the input gives them, its
 * images replaced by the input's list in order, an image whose file is already the product's kept
 * with its id). It goes through the API's own readers (the same rules and messages) and
 * `ProductService`, so every `src` is downloaded by the guarded pipeline, stored by content and
 * deduplicated. A source URL imported before is not downloaded again while its file is stored.
 */
export class CatalogueWriter {
  constructor(private readonly deps: CatalogueWriterDeps) {}

  async apply(shopId: string, entry: CatalogueEntry): Promise<EntryResult> {
    if (entry.problems.length > 0) return failed(entry, entry.problems);
    const holders = await this.deps.journal.productsByHandle(shopId, entry.handle);
    if (holders.length > 1) {
      const reason = `handle "${entry.handle}" is held by several products in this store, so the input cannot tell which to update; rename or delete all but one, then import again`;
      return failed(entry, [{ line: entry.lines[0]!, reason }]);
    }
    const problems: Problems = [];
    const images = entry.images.map((image, i) => readNewImage({ src: image.src, alt: image.alt }, problems, `Image ${i + 1}: `));
    if (problems.length > 0) return failed(entry, attribute(entry, problems));
    const sources = await this.resolve(images.map((image) => image.src));
    try {
      const existing = holders[0];
      const product = existing === undefined ? await this.create(shopId, entry, images, sources) : await this.update(shopId, existing, entry, images, sources);
      await this.remember(entry, product);
      return { outcome: existing === undefined ? 'created' : 'updated', problems: [], images: product.images.length };
    } catch (err) {
      if (err instanceof DomainError && (err.code === 'Validation' || err.code === 'BadRequest')) return failed(entry, attribute(entry, err.messages));
      if (err instanceof DomainError && err.code === 'RecordNotFound') {
        return failed(entry, [{ line: entry.lines[0]!, reason: 'the product was deleted while it was being imported; import again' }]);
      }
      throw err;
    }
  }

  private async create(shopId: string, entry: CatalogueEntry, images: NewImage[], sources: string[]): Promise<ProductWithImages> {
    const input = parseProductCreate({ product: { ...entry.product, handle: entry.handle, ...this.catalogue(entry, undefined) } }, this.deps.wire);
    return this.deps.products.create(shopId, {
      ...input,
      images: images.map((image, i) => ({ ...image, src: sources[i]! })),
      ...(input.variants ? { variants: withImagePositions(input.variants, entry) } : {}),
    });
  }

  private async update(shopId: string, productId: string, entry: CatalogueEntry, images: NewImage[], sources: string[]): Promise<ProductWithImages> {
    const current = await this.deps.products.get(shopId, productId);
    const patch = parseProductUpdate({ product: { ...entry.product, ...this.catalogue(entry, current) } }, this.deps.wire);
    // An image whose stored file (or, with ingestion off, URL) is the one asked for keeps its id.
    const unused = [...current.images];
    const gallery: ProductImageEntry[] = images.map((image, i) => {
      const found = unused.findIndex((held) => held.src === sources[i]);
      if (found < 0) return { src: sources[i]!, alt: image.alt };
      const [held] = unused.splice(found, 1);
      return { id: held!.id, alt: image.alt };
    });
    return this.deps.products.update(shopId, productId, {
      ...patch,
      images: gallery,
      ...(patch.variants ? { variants: withImagePositions(patch.variants, entry) } : {}),
    });
  }

  /** The entry's options and variants as a request body gives them; on update, a variant with the same options keeps its id. */
  private catalogue(entry: CatalogueEntry, current: ProductWithImages | undefined): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    if (entry.options) body.options = entry.options;
    if (entry.variants) {
      const unused = [...(current?.variants ?? [])];
      body.variants = entry.variants.map(({ image_src: _src, line: _line, ...variant }) => {
        const same = unused.findIndex(
          (held) => (held.option1 ?? null) === (variant.option1 ?? null) && (held.option2 ?? null) === (variant.option2 ?? null) && (held.option3 ?? null) === (variant.option3 ?? null),
        );
        const id = same < 0 ? undefined : unused.splice(same, 1)[0]!.id;
        return id === undefined ? variant : { id, ...variant };
      });
    }
    return body;
  }

  /** What each src is sent as: a library file when it is our own CDN's, or a source imported before whose file is still stored. */
  private async resolve(srcs: string[]): Promise<string[]> {
    const own = srcs.map((src) => librarySrc(src, this.deps.wire));
    const known = await this.deps.journal.sourceFiles(srcs.filter((src, i) => own[i] === src));
    return Promise.all(
      srcs.map(async (src, i) => {
        if (own[i] !== src) return own[i]!;
        const path = known.get(src);
        return path !== undefined && (await this.deps.blobs.has(path)) ? path : src;
      }),
    );
  }

  /** Which file each downloaded source became, for the next import of it. */
  private async remember(entry: CatalogueEntry, product: ProductWithImages): Promise<void> {
    const pairs = entry.images.flatMap((image, i) => {
      const stored = product.images[i];
      return stored && isLibraryReference(stored.src) && isBlobName(stored.path) && !isLibraryReference(image.src) ? [{ url: image.src, path: stored.path }] : [];
    });
    await this.deps.journal.recordSourceFiles(pairs, this.deps.clock());
  }
}

/** A variant's image is named by its place in the input's gallery, where its src is first listed. */
function withImagePositions<T extends ProductVariantEntry>(variants: T[], entry: CatalogueEntry): T[] {
  return variants.map((variant, i) => {
    const src = (entry.variants?.[i] as EntryVariant | undefined)?.image_src;
    if (src === undefined) return variant;
    const position = entry.images.findIndex((image) => image.src === src);
    return position < 0 ? variant : { ...variant, image_position: position + 1 };
  });
}

/** The reader's messages, each on the line it is about: "Image 3: ..." on the third image's row, "Variant 2: ..." on the second variant's. */
function attribute(entry: CatalogueEntry, messages: readonly string[]): RowProblem[] {
  return messages.map((message) => {
    const image = /^Image (\d+): /.exec(message);
    const variant = /^Variant (\d+): /.exec(message);
    const line =
      (image ? entry.images[Number(image[1]) - 1]?.line : undefined) ?? (variant ? entry.variants?.[Number(variant[1]) - 1]?.line : undefined) ?? entry.lines[0]!;
    return { line, reason: message };
  });
}

/** Every line of a product that failed: the lines named, then the others with what stopped them. */
function failed(entry: CatalogueEntry, problems: RowProblem[]): EntryResult {
  const named = new Set(problems.map((problem) => problem.line));
  const first = [...problems].sort((a, b) => a.line - b.line)[0];
  const rest = entry.lines
    .filter((line) => !named.has(line))
    .map((line) => ({ line, reason: `not imported: line ${first?.line ?? entry.lines[0]} of the same product${entry.handle ? ` (${entry.handle})` : ''} failed` }));
  return { outcome: 'failed', problems: [...problems, ...rest].sort((a, b) => a.line - b.line), images: 0 };
}
