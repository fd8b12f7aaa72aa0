import { DomainError, recordNotFound, validation } from './errors.js';
import type { NewProduct, ProductImageEntry, ProductPatch, ProductWithImages } from './entities.js';
import type { ImageFiles } from './image-files.js';
import { type ImageIngestor, type IngestedImage, letGo } from './ingest.js';
import type { Clock, ProductFilter, ProductPage, ProductQuery, ProductRepository } from './ports.js';

/** Products, as far as a client of the image endpoints needs them. */
export class ProductService {
  constructor(
    private readonly products: ProductRepository,
    private readonly ingestor: ImageIngestor,
    private readonly files: ImageFiles,
    private readonly clock: Clock,
  ) {}

  async create(shopId: string, input: NewProduct): Promise<ProductWithImages> {
    const ingested = await this.ingestAll(input.images);
    const images = input.images.map((image, i) => ({ ...image, ...withoutKeep(ingested[i]) }));
    try {
      const created = await this.products.create(shopId, { ...input, images }, this.clock());
      await Promise.all(ingested.map((file) => file && this.files.ensure(file)));
      return created;
    } catch (error) {
      await this.files.release(images.map((image) => image.path ?? ''));
      throw error;
    } finally {
      letGo(ingested);
    }
  }

  async get(shopId: string, productId: string): Promise<ProductWithImages> {
    const product = await this.products.get(shopId, productId);
    if (!product) throw recordNotFound();
    return product;
  }

  list(shopId: string, query: ProductQuery): Promise<ProductPage> {
    return this.products.list(shopId, query);
  }

  count(shopId: string, filter: ProductFilter = {}): Promise<number> {
    return this.products.count(shopId, filter);
  }

  async update(shopId: string, productId: string, patch: ProductPatch): Promise<ProductWithImages> {
    if (!patch.images) {
      const updated = await this.products.update(shopId, productId, patch, this.clock());
      if (!updated) throw recordNotFound();
      return updated;
    }
    const current = await this.get(shopId, productId);
    const known = new Map(current.images.map((image) => [image.id, image.src]));
    // Only new images and changed sources are fetched; a kept image keeps its stored file.
    const fetchNeeded = (entry: ProductImageEntry) =>
      entry.src !== undefined && (entry.id === undefined || known.get(entry.id) !== entry.src);
    const ingested = await this.ingestAll(patch.images.map((entry) => (fetchNeeded(entry) ? entry : null)));
    const images = patch.images.map((entry, i) => ({ ...entry, ...withoutKeep(ingested[i]) }));
    const touched = [...current.images.map((image) => image.path), ...images.map((image) => image.path ?? '')];
    try {
      const updated = await this.products.update(shopId, productId, { ...patch, images }, this.clock());
      if (!updated) throw recordNotFound();
      await Promise.all(ingested.map((file) => file && this.files.ensure(file)));
      return updated;
    } finally {
      letGo(ingested);
      await this.files.release(touched);
    }
  }

  async delete(shopId: string, productId: string): Promise<void> {
    const paths = await this.products.delete(shopId, productId, this.clock());
    if (paths === null) throw recordNotFound();
    await this.files.release(paths);
  }

  /**
   * Fetches every listed source at once; if any fails, the files of the others are released. A
   * failure other than the source's own (the server saturated) stops the others: the body fails anyway.
   */
  private async ingestAll(entries: ReadonlyArray<{ src?: string; width?: number; height?: number } | null>): Promise<Array<IngestedImage | null>> {
    const stop = new AbortController();
    const ingest = (src: string, sent: { width: number; height: number }) =>
      this.ingestor.ingest(src, sent, stop.signal).catch((err: unknown) => {
        if (!(err instanceof DomainError && err.code === 'Validation')) stop.abort(err);
        throw err;
      });
    const results = await Promise.allSettled(
      entries.map((entry) => (entry?.src === undefined ? Promise.resolve(null) : ingest(entry.src, { width: entry.width ?? 0, height: entry.height ?? 0 }))),
    );
    const failures = results.flatMap((result, i) => (result.status === 'rejected' ? [{ index: i, reason: result.reason as unknown }] : []));
    if (failures.length > 0) {
      letGo(results.map((result) => (result.status === 'fulfilled' ? result.value : null)));
      await this.files.release(results.flatMap((result) => (result.status === 'fulfilled' && result.value ? [result.value.path] : [])));
      const unexpected = failures.find((failure) => !(failure.reason instanceof DomainError && failure.reason.code === 'Validation'));
      if (unexpected) throw unexpected.reason;
      // Name the entry each message is about, as body validation does.
      throw validation(failures.flatMap(({ index, reason }) => (reason as DomainError).messages.map((m) => `Image ${index + 1}: ${m}`)));
    }
    return results.map((result) => (result as PromiseFulfilledResult<IngestedImage | null>).value);
  }
}

function withoutKeep(image: IngestedImage | null | undefined): Partial<IngestedImage> {
  if (!image) return {};
  const { keep: _keep, ...rest } = image;
  return rest;
}
