import { recordNotFound } from './errors.js';
import type { NewImage, NewProduct, ProductPatch, ProductWithImages } from './entities.js';
import type { ImageIngestor } from './ingest.js';
import type { Clock, ProductPage, ProductQuery, ProductRepository } from './ports.js';

/** Products, as far as a client of the image endpoints needs them. */
export class ProductService {
  constructor(
    private readonly products: ProductRepository,
    private readonly ingestor: ImageIngestor,
    private readonly clock: Clock,
  ) {}

  async create(shopId: string, input: NewProduct): Promise<ProductWithImages> {
    const images = await Promise.all(input.images.map((image) => this.ingest(image)));
    return this.products.create(shopId, { ...input, images }, this.clock());
  }

  async get(shopId: string, productId: string): Promise<ProductWithImages> {
    const product = await this.products.get(shopId, productId);
    if (!product) throw recordNotFound();
    return product;
  }

  list(shopId: string, query: ProductQuery): Promise<ProductPage> {
    return this.products.list(shopId, query);
  }

  count(shopId: string): Promise<number> {
    return this.products.count(shopId);
  }

  async update(shopId: string, productId: string, patch: ProductPatch): Promise<ProductWithImages> {
    let change = patch;
    if (patch.images) {
      const current = await this.get(shopId, productId);
      const known = new Map(current.images.map((image) => [image.id, image.src]));
      const images = await Promise.all(
        patch.images.map(async (entry) => {
          // Only new images and changed sources are fetched; a kept image keeps its stored file.
          if (entry.src === undefined || (entry.id !== undefined && known.get(entry.id) === entry.src)) return entry;
          const sent = { width: entry.width ?? 0, height: entry.height ?? 0 };
          return { ...entry, ...(await this.ingestor.ingest(entry.src, sent)) };
        }),
      );
      change = { ...patch, images };
    }
    const updated = await this.products.update(shopId, productId, change, this.clock());
    if (!updated) throw recordNotFound();
    return updated;
  }

  async delete(shopId: string, productId: string): Promise<void> {
    if (!(await this.products.delete(shopId, productId))) throw recordNotFound();
  }

  private async ingest<T extends NewImage>(image: T): Promise<T> {
    return { ...image, ...(await this.ingestor.ingest(image.src, image)) };
  }
}
