import { type Kysely, type SelectQueryBuilder, sql, type Transaction } from 'kysely';
import { handleFromTitle } from '../domain/handle.js';
import { validation } from '../domain/errors.js';
import { type Image, type NewImage, type NewProduct, PRODUCT_SETTING_DEFAULTS, type ProductImageEntry, type ProductPatch, type ProductSettings, type ProductWithImages, type VariantInput } from '../domain/entities.js';
import type { ProductFilter, ProductPage, ProductQuery, ProductRepository } from '../domain/ports.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { newImageRow } from './image-columns.js';
import { changeProduct, type ProductChanges } from './product-changes.js';
import { type ProductRow, SELECTED, settingsRow, storedFlags, toProduct, withImages } from './product-snapshot.js';

export { PRODUCT_COLUMNS } from './product-snapshot.js';
import { lockProduct } from './product-lock.js';
import type { ProductsTable, Schema } from './schema.js';
import { loadCatalogues, unlinkImages, writeCatalogue } from './variant-repository.js';
import { defaultVariants } from '../domain/variant-rules.js';
import type { RecordIds } from './record-ids.js';

const variantLabel = (index: number) => `Variant ${index + 1}: `;
type StoredImage = NewImage & { path?: string };

export class KyselyProductRepository implements ProductRepository {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly changes: ProductChanges,
    private readonly ids: RecordIds,
  ) {}

  create(shopId: string, input: NewProduct, now: string): Promise<ProductWithImages> {
    return this.db.transaction().execute(async (trx) => {
      const row: ProductRow = {
        ...settingsRow({ ...PRODUCT_SETTING_DEFAULTS, ...settingsOf(input) }),
        id: this.ids.next('product'),
        title: input.title,
        handle: input.handle ?? handleFromTitle(input.title),
        description: input.description,
        vendor: input.vendor,
        tags: input.tags,
        published: input.published ? 1 : 0,
        published_at: input.published ? now : null,
        created_at: now,
        updated_at: now,
        need_variant_image: input.need_variant_image ? 1 : 0,
      };
      await trx.insertInto('products').values({ ...row, shop_id: shopId }).execute();
      const images = await insertImages(trx, shopId, row.id, input.images, 1, now, this.ids);
      const options = input.options ?? [];
      const entries = linkByPosition(input.variants && input.variants.length > 0 ? input.variants : defaultVariants(options), images.map((image) => image.id));
      await writeCatalogue(trx, shopId, row.id, { entries, options }, now, variantLabel, this.ids);
      const catalogue = (await loadCatalogues(trx, [row.id], images)).get(row.id)!;
      await this.changes.events.record(trx, shopId, row.id, 'products/create', now);
      return { ...toProduct(row), images, ...catalogue };
    });
  }

  async get(shopId: string, productId: string): Promise<ProductWithImages | null> {
    const row = await this.db
      .selectFrom('products')
      .select(SELECTED)
      .where('id', '=', productId)
      .where('shop_id', '=', shopId)
      .executeTakeFirst();
    if (!row) return null;
    const [product] = await this.withImages([row]);
    return product ?? null;
  }

  async list(shopId: string, query: ProductQuery): Promise<ProductPage> {
    const backwards = query.preCursor !== undefined;
    const key = query.preCursor !== undefined ? decodeCursor(query.preCursor, 'Pre cursor') : query.cursor ? decodeCursor(query.cursor, 'Cursor') : null;
    let select = filtered(this.db.selectFrom('products').select(SELECTED).where('shop_id', '=', shopId), query.filter);
    if (key) {
      select = select.where((eb) =>
        eb(eb.refTuple('created_at', 'id'), backwards ? '<' : '>', eb.tuple(key.createdAt, key.id)),
      );
    }
    const order = backwards ? 'desc' : 'asc';
    const rows = await select.orderBy('created_at', order).orderBy('id', order).limit(query.perPage + 1).execute();
    const more = rows.length > query.perPage;
    const page = rows.slice(0, query.perPage);
    if (backwards) page.reverse();
    const first = page[0];
    const last = page[page.length - 1];
    // Moving forwards from a cursor means a page exists before; moving backwards means one exists after.
    const hasNext = backwards ? key !== null : more;
    const hasPrevious = backwards ? more : key !== null;
    return {
      products: await this.withImages(page),
      cursor: hasNext && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : '',
      preCursor: hasPrevious && first ? encodeCursor({ createdAt: first.created_at, id: first.id }) : '',
    };
  }

  async count(shopId: string, filter: ProductFilter): Promise<number> {
    const row = await filtered(this.db.selectFrom('products').select((eb) => eb.fn.countAll().as('n')).where('shop_id', '=', shopId), filter)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async update(shopId: string, productId: string, patch: ProductPatch, now: string): Promise<ProductWithImages | null> {
    const found = await changeProduct(this.changes, productId, () => this.db.transaction().execute(async (trx) => {
      if (!(await lockProduct(trx, shopId, productId, now))) return false;
      await this.changes.notify(trx, productId);
      const current = await trx
        .selectFrom('products')
        .select(['published', 'published_at'])
        .where('id', '=', productId)
        .executeTakeFirstOrThrow();
      const { images, published, options, variants, need_variant_image, requires_shipping, taxable, inventory_tracking, display_fake_sales, ...fields } = patch;
      const changes: Partial<ProductsTable> = { ...fields, ...storedFlags({ requires_shipping, taxable, inventory_tracking, display_fake_sales }) };
      if (need_variant_image !== undefined) changes.need_variant_image = need_variant_image ? 1 : 0;
      if (published !== undefined) {
        changes.published = published ? 1 : 0;
        changes.published_at = published ? (current.published_at ?? now) : null;
      }
      if (Object.keys(changes).length > 0) {
        await trx.updateTable('products').set(changes).where('id', '=', productId).execute();
      }
      if (images) await replaceImages(trx, shopId, productId, images, now, this.ids);
      if (variants || options) {
        const gallery = variants?.some((variant) => variant.image_position !== undefined)
          ? (await trx.selectFrom('images').select('id').where('product_id', '=', productId).orderBy('position').execute()).map((row) => row.id)
          : [];
        const entries = variants
          ? linkByPosition(variants, gallery)
          : (await trx.selectFrom('variants').select('id').where('product_id', '=', productId).orderBy('position').execute()).map((row) => ({ id: row.id }));
        await writeCatalogue(trx, shopId, productId, { entries, options }, now, variantLabel, this.ids);
      }
      await this.changes.events.record(trx, shopId, productId, 'products/update', now);
      return true;
    }));
    return found ? this.get(shopId, productId) : null;
  }

  delete(shopId: string, productId: string, now: string): Promise<string[] | null> {
    return changeProduct(this.changes, productId, () => this.db.transaction().execute(async (trx) => {
      // Locking first makes the first statement a write (see lockProduct), which matters when
      // several processes share one SQLite file.
      if (!(await lockProduct(trx, shopId, productId, now))) return null;
      await this.changes.notify(trx, productId);
      // The product as it was, for products/delete.
      await this.changes.events.record(trx, shopId, productId, 'products/delete', now);
      const removed = await trx.deleteFrom('images').where('product_id', '=', productId).returning('path').execute();
      await trx.deleteFrom('variants').where('product_id', '=', productId).execute();
      await trx.deleteFrom('product_options').where('product_id', '=', productId).execute();
      await trx.deleteFrom('products').where('id', '=', productId).execute();
      return removed.map((row) => row.path);
    }));
  }

  private withImages(rows: ProductRow[]): Promise<ProductWithImages[]> {
    return withImages(this.db, rows);
  }
}

/** The settings a create body sent (the others take their defaults). */
function settingsOf(input: NewProduct): Partial<ProductSettings> {
  return Object.fromEntries(Object.keys(PRODUCT_SETTING_DEFAULTS).flatMap((key) => {
    const value = input[key as keyof ProductSettings];
    return value === undefined ? [] : [[key, value]];
  }));
}

/** Variants that name their image by its place in the gallery (VariantInput.image_position) get its id. */
function linkByPosition<T extends VariantInput>(entries: readonly T[], imageIds: readonly string[]): T[] {
  return entries.map((entry) => {
    const { image_position: position, ...rest } = entry;
    return (position === undefined ? rest : { ...rest, image_id: imageIds[position - 1] ?? '' }) as T;
  });
}

/** The filter's conditions on a query of products. */
function filtered<Q extends SelectQueryBuilder<Schema, 'products', any>>(query: Q, filter: ProductFilter): Q {
  let q: SelectQueryBuilder<Schema, 'products', any> = query;
  if (filter.ids) q = filter.ids.length > 0 ? q.where('id', 'in', [...filter.ids]) : q.where(sql<boolean>`1 = 0`);
  if (filter.title !== undefined) {
    const pattern = `%${filter.title.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where(sql<boolean>`lower(title) like ${pattern} escape '\\'`);
  }
  if (filter.createdAtMin !== undefined) q = q.where('created_at', '>=', filter.createdAtMin);
  if (filter.createdAtMax !== undefined) q = q.where('created_at', '<=', filter.createdAtMax);
  if (filter.updatedAtMin !== undefined) q = q.where('updated_at', '>=', filter.updatedAtMin);
  if (filter.updatedAtMax !== undefined) q = q.where('updated_at', '<=', filter.updatedAtMax);
  if (filter.spus) q = q.where('spu', 'in', [...filter.spus]);
  if (filter.published !== undefined) q = q.where('published', '=', filter.published ? 1 : 0);
  return q as Q;
}

async function insertImages(
  trx: Transaction<Schema>,
  shopId: string,
  productId: string,
  images: readonly StoredImage[],
  firstPosition: number,
  now: string,
  ids: RecordIds,
): Promise<Image[]> {
  const rows = images.map((image, index) => newImageRow(ids.next('image'), productId, firstPosition + index, image, now));
  if (rows.length > 0) {
    await trx.insertInto('images').values(rows.map((row) => ({ ...row, shop_id: shopId }))).execute();
  }
  return rows;
}

/** PUT product with `images`: the list is the whole gallery, in order; unlisted images are deleted. */
async function replaceImages(
  trx: Transaction<Schema>,
  shopId: string,
  productId: string,
  images: readonly ProductImageEntry[],
  now: string,
  ids: RecordIds,
): Promise<void> {
  const existing = new Set(
    (await trx.selectFrom('images').select('id').where('product_id', '=', productId).execute()).map((row) => row.id),
  );
  const unknown = images.filter((image) => image.id !== undefined && !existing.has(image.id));
  if (unknown.length > 0) {
    throw validation(unknown.map((image) => `Image ${image.id} does not belong to this product`));
  }
  const kept = new Set(images.flatMap((image) => (image.id ? [image.id] : [])));
  const removed = [...existing].filter((id) => !kept.has(id));
  await unlinkImages(trx, productId, removed, now);
  if (removed.length > 0) await trx.deleteFrom('images').where('id', 'in', removed).execute();
  for (const [index, image] of images.entries()) {
    const { id, ...fields } = image;
    if (id === undefined) {
      const created = { src: fields.src ?? '', alt: fields.alt ?? '', width: fields.width ?? 0, height: fields.height ?? 0, path: fields.path };
      await insertImages(trx, shopId, productId, [created], index + 1, now, ids);
      continue;
    }
    await trx
      .updateTable('images')
      .set({ ...fields, position: index + 1, updated_at: now })
      .where('id', '=', id)
      .execute();
  }
}
