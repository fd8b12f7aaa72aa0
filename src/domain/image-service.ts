import { imageNotFound, productNotFound, recordNotFound } from './errors.js';
import type { Image, ImagePatch, NewImage } from './entities.js';
import type { ImageFiles } from './image-files.js';
import type { ImageIngestor } from './ingest.js';
import type { Clock, ImageRepository } from './ports.js';

/** The product image use cases. Input arrives validated; this decides what happens. */
export class ImageService {
  constructor(
    private readonly images: ImageRepository,
    private readonly ingestor: ImageIngestor,
    private readonly files: ImageFiles,
    private readonly clock: Clock,
  ) {}

  async list(shopId: string, productId: string): Promise<Image[]> {
    return found(await this.images.list(shopId, productId));
  }

  /** The list as held in memory now, if it is (no I/O): for answering repeated reads from memory. */
  peekList(shopId: string, productId: string): Image[] | undefined {
    return this.images.cachedList(shopId, productId);
  }

  /** The image as held in memory now, if it is (no I/O). */
  peek(shopId: string, productId: string, imageId: string): Image | undefined {
    return this.images.cachedImage(shopId, productId, imageId);
  }

  async count(shopId: string, productId: string): Promise<number> {
    return found(await this.images.count(shopId, productId));
  }

  async get(shopId: string, productId: string, imageId: string): Promise<Image> {
    return found(await this.images.get(shopId, productId, imageId));
  }

  async create(shopId: string, productId: string, input: NewImage): Promise<Image> {
    // Refuse an unknown product before fetching anything on its behalf.
    found(await this.images.count(shopId, productId));
    const { keep, ...stored } = await this.ingestor.ingest(input.src, input);
    try {
      let created: Image | null;
      try {
        created = await this.images.create(shopId, productId, { ...input, ...stored }, this.clock());
      } catch (error) {
        // Nothing was written (a full disk, say): the file just stored may belong to nobody. The
        // client must see the first failure; a file a failed release leaves behind is found by gc.
        await this.files.release([stored.path]).catch(() => undefined);
        throw error;
      }
      if (created === null) {
        // The product went away while we downloaded: the file may now belong to nobody.
        await this.files.release([stored.path]);
        throw recordNotFound();
      }
      await this.files.ensure({ ...stored, ...(keep ? { keep } : {}) });
      return created;
    } finally {
      keep?.done();
    }
  }

  async update(shopId: string, productId: string, imageId: string, patch: ImagePatch): Promise<Image> {
    if (patch.src === undefined) return this.apply(shopId, productId, imageId, patch);
    const current = found(await this.images.get(shopId, productId, imageId));
    if (patch.src === current.src) return this.apply(shopId, productId, imageId, patch);
    const sent = { width: patch.width ?? 0, height: patch.height ?? 0 };
    const { keep, ...stored } = await this.ingestor.ingest(patch.src, sent);
    try {
      const updated = await this.apply(shopId, productId, imageId, { ...patch, ...stored });
      await this.files.ensure({ ...stored, ...(keep ? { keep } : {}) });
      return updated;
    } finally {
      keep?.done();
      await this.files.release(stored.path === current.path ? [] : [current.path, stored.path]);
    }
  }

  async delete(shopId: string, productId: string, imageId: string): Promise<void> {
    const result = await this.images.delete(shopId, productId, imageId, this.clock());
    if (result === 'no-product') throw productNotFound();
    if (result === 'no-image') throw imageNotFound();
    await this.files.release([result.path]);
  }

  private async apply(shopId: string, productId: string, imageId: string, patch: ImagePatch & { path?: string }): Promise<Image> {
    const result = await this.images.update(shopId, productId, imageId, patch, this.clock());
    if (typeof result === 'string') throw recordNotFound();
    return result;
  }
}

function found<T>(value: T | null): T {
  if (value === null) throw recordNotFound();
  return value;
}
