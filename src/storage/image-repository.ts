import type { Kysely, Transaction } from 'kysely';
import type { Image, ImagePatch, NewImage } from '../domain/entities.js';
import type { ImageRepository } from '../domain/ports.js';
import { insertPosition, movePosition, shiftForMove } from '../domain/positions.js';
import { IMAGE_COLUMNS, newImageRow } from './image-columns.js';
import type { HotReads } from './hot-reads.js';
import { changeProduct, type ProductChanges } from './product-changes.js';
import { lockProduct } from './product-lock.js';
import type { Schema } from './schema.js';
import { linkVariants, unlinkImages } from './variant-repository.js';
import type { RecordIds } from './record-ids.js';

export class KyselyImageRepository implements ImageRepository {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly hot: HotReads,
    private readonly changes: ProductChanges,
    private readonly ids: RecordIds,
  ) {}

  async list(shopId: string, productId: string): Promise<Image[] | null> {
    const { cache } = this.changes;
    const hit = cache.list(shopId, productId);
    if (hit) return hit;
    const generation = cache.generation;
    const images = await this.hot.images(shopId, productId);
    if (images) cache.putList(generation, shopId, productId, images);
    return images;
  }

  cachedList(shopId: string, productId: string): Image[] | undefined {
    return this.changes.cache.list(shopId, productId);
  }

  cachedImage(shopId: string, productId: string, imageId: string): Image | undefined {
    return this.changes.cache.image(shopId, productId, imageId);
  }

  async count(shopId: string, productId: string): Promise<number | null> {
    return this.changes.cache.list(shopId, productId)?.length ?? this.hot.count(shopId, productId);
  }

  async get(shopId: string, productId: string, imageId: string): Promise<Image | null> {
    const { cache } = this.changes;
    const hit = cache.image(shopId, productId, imageId);
    if (hit) return hit;
    const generation = cache.generation;
    const image = await this.hot.image(shopId, productId, imageId);
    if (image) cache.putImage(generation, shopId, productId, image);
    return image;
  }

  /** Runs a change to one product's images: locked, announced to other processes, forgotten by the cache. */
  private async change<T>(shopId: string, productId: string, now: string, work: (trx: Transaction<Schema>) => Promise<T>): Promise<T | 'no-product'> {
    return changeProduct(this.changes, productId, async () => {
      try {
        return await this.db.transaction().execute(async (trx) => {
          if (!(await lockProduct(trx, shopId, productId, now))) return 'no-product' as const;
          await this.changes.notify(trx, productId);
          const result = await work(trx);
          // A refused change must leave no trace, not even the product's updated_at from the lock.
          if (result === 'no-image') throw new Refused(result);
          await this.changes.events.record(trx, shopId, productId, 'products/update', now);
          return result;
        });
      } catch (error) {
        if (error instanceof Refused) return error.result as T;
        throw error;
      }
    });
  }

  async create(shopId: string, productId: string, image: NewImage & { path?: string }, now: string): Promise<Image | null> {
    const result = await this.change(shopId, productId, now, async (trx) => {
      const count = await countImages(trx, productId);
      const position = insertPosition(image.position, count);
      if (position <= count) {
        await trx
          .updateTable('images')
          .set((eb) => ({ position: eb('position', '+', 1) }))
          .where('product_id', '=', productId)
          .where('position', '>=', position)
          .execute();
      }
      const row = newImageRow(this.ids.next('image'), productId, position, image, now);
      await trx.insertInto('images').values({ ...row, shop_id: shopId }).execute();
      await linkVariants(trx, productId, row.id, image.variant_ids ?? [], now);
      return row;
    });
    return result === 'no-product' ? null : result;
  }

  update(
    shopId: string,
    productId: string,
    imageId: string,
    patch: ImagePatch & { path?: string },
    now: string,
  ): Promise<Image | 'no-product' | 'no-image'> {
    return this.change(shopId, productId, now, async (trx) => {
      const current = await trx
        .selectFrom('images')
        .select(IMAGE_COLUMNS)
        .where('id', '=', imageId)
        .where('product_id', '=', productId)
        .executeTakeFirst();
      if (!current) return 'no-image' as const;
      const next: Image = { ...current, updated_at: now };
      if (patch.src !== undefined) next.src = patch.src;
      if (patch.path !== undefined) next.path = patch.path;
      if (patch.alt !== undefined) next.alt = patch.alt;
      if (patch.width !== undefined) next.width = patch.width;
      if (patch.height !== undefined) next.height = patch.height;
      if (patch.position !== undefined) {
        next.position = movePosition(patch.position, await countImages(trx, productId));
        const shift = shiftForMove(current.position, next.position);
        if (shift) {
          await trx
            .updateTable('images')
            .set((eb) => ({ position: eb('position', '+', shift.delta) }))
            .where('product_id', '=', productId)
            .where('position', '>=', shift.low)
            .where('position', '<=', shift.high)
            .execute();
        }
      }
      const { id: _id, product_id: _product, created_at: _created, ...changes } = next;
      await trx.updateTable('images').set(changes).where('id', '=', imageId).execute();
      await linkVariants(trx, productId, imageId, patch.variant_ids ?? [], now);
      return next;
    });
  }

  async isPathUsed(path: string): Promise<boolean> {
    const row = await this.db.selectFrom('images').select('id').where('path', '=', path).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  async setMeasuredSize(shopId: string, productId: string, imageId: string, path: string, size: { width: number; height: number }, now: string): Promise<boolean> {
    const result = await this.change(shopId, productId, now, async (trx) => {
      const updated = await trx
        .updateTable('images')
        .set({ width: size.width, height: size.height, updated_at: now })
        .where('id', '=', imageId)
        .where('product_id', '=', productId)
        .where('path', '=', path)
        .executeTakeFirst();
      return Number(updated.numUpdatedRows) > 0 ? ('set' as const) : ('no-image' as const);
    });
    return result === 'set';
  }

  renumber(shopId: string, productId: string, now: string): Promise<number | 'no-product'> {
    return this.change(shopId, productId, now, async (trx) => {
      const rows = await trx
        .selectFrom('images')
        .select(['id', 'position'])
        .where('product_id', '=', productId)
        .orderBy('position')
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      let moved = 0;
      for (const [index, row] of rows.entries()) {
        if (row.position === index + 1) continue;
        await trx.updateTable('images').set({ position: index + 1, updated_at: now }).where('id', '=', row.id).execute();
        moved++;
      }
      return moved;
    });
  }

  delete(shopId: string, productId: string, imageId: string, now: string): Promise<{ path: string } | 'no-product' | 'no-image'> {
    return this.change(shopId, productId, now, async (trx) => {
      await unlinkImages(trx, productId, [imageId], now);
      const removed = await trx
        .deleteFrom('images')
        .where('id', '=', imageId)
        .where('product_id', '=', productId)
        .returning(['position', 'path'])
        .executeTakeFirst();
      if (!removed) return 'no-image' as const;
      await trx
        .updateTable('images')
        .set((eb) => ({ position: eb('position', '-', 1) }))
        .where('product_id', '=', productId)
        .where('position', '>', removed.position)
        .execute();
      return { path: removed.path };
    });
  }
}

/** Thrown inside a transaction to roll it back while still answering with `result`. */
class Refused extends Error {
  constructor(readonly result: unknown) {
    super('refused');
  }
}

async function countImages(db: Kysely<Schema>, productId: string): Promise<number> {
  const row = await db
    .selectFrom('images')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('product_id', '=', productId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
