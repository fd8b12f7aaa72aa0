import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { validation } from '../domain/errors.js';
import { VARIANT_FIELDS, type NewOption, type ProductOption, type ProductVariantEntry, type Variant, type VariantImage, type VariantInput, type VariantRow } from '../domain/entities.js';
import type { VariantRepository } from '../domain/ports.js';
import { insertPosition, movePosition } from '../domain/positions.js';
import { DEFAULT_TITLE, optionValues, VARIANT_DEFAULTS, variantProblems, variantTitle } from '../domain/variant-rules.js';
import { changeProduct, type ProductChanges } from './product-changes.js';
import { lockProduct } from './product-lock.js';
import type { Schema } from './schema.js';
import type { RecordIds } from './record-ids.js';

/** The variant columns: its fields in API order (its image is answered from the images table). */
export const VARIANT_COLUMNS = VARIANT_FIELDS;

type Db = Kysely<Schema> | Transaction<Schema>;

/** The one variant of a product made without any (seeding and the migration make it the same way). */
export function defaultVariantRow(productId: string, now: string): VariantRow {
  return { id: randomUUID(), product_id: productId, title: DEFAULT_TITLE, ...VARIANT_DEFAULTS, position: 1, created_at: now, updated_at: now };
}
type ImageLike = { id: string } & VariantImage;

export interface ProductCatalogue {
  options: ProductOption[];
  variants: Variant[];
}

/** The options and variants of some products, each variant with its image (found in `images`, or read). */
export async function loadCatalogues(db: Db, productIds: readonly string[], images?: readonly ImageLike[]): Promise<Map<string, ProductCatalogue>> {
  const result = new Map<string, ProductCatalogue>(productIds.map((id) => [id, { options: [], variants: [] }]));
  if (productIds.length === 0) return result;
  const ids = [...productIds];
  const [options, variants] = await Promise.all([
    db.selectFrom('product_options').select(['id', 'product_id', 'position', 'name', 'value_list']).where('product_id', 'in', ids).orderBy('product_id').orderBy('position').execute(),
    db.selectFrom('variants').select(VARIANT_COLUMNS).where('product_id', 'in', ids).orderBy('product_id').orderBy('position').execute(),
  ]);
  const byId = new Map((images ?? (await imagesOf(db, variants))).map((image) => [image.id, image]));
  for (const { value_list, ...option } of options) result.get(option.product_id)?.options.push({ ...option, values: JSON.parse(value_list) as string[] });
  for (const row of variants) result.get(row.product_id)?.variants.push(withImage(row, byId));
  return result;
}

async function imagesOf(db: Db, variants: readonly VariantRow[]): Promise<ImageLike[]> {
  const ids = [...new Set(variants.map((variant) => variant.image_id).filter((id) => id !== ''))];
  if (ids.length === 0) return [];
  return db.selectFrom('images').select(['id', 'src', 'width', 'height', 'alt']).where('id', 'in', ids).execute();
}

function withImage(row: VariantRow, images: ReadonlyMap<string, ImageLike>): Variant {
  const { created_at, updated_at, ...fields } = row;
  const image = images.get(row.image_id);
  return { ...fields, image: image ? { src: image.src, width: image.width, height: image.height, alt: image.alt } : null, created_at, updated_at };
}

/**
 * Makes the product's options and variants what `entries` (the whole ordered variant list: an id keeps
 * that variant with the fields sent, no id makes a new one) and `options` (the whole option list, or
 * undefined to keep them) say, after checking them together: one message per problem, each prefixed
 * by `label(index)`. Runs inside the product's locked transaction. Returns the variant ids in order.
 */
export async function writeCatalogue(
  trx: Transaction<Schema>,
  shopId: string,
  productId: string,
  change: { entries: readonly ProductVariantEntry[]; options?: readonly NewOption[] | undefined; touched?: ReadonlySet<number> },
  now: string,
  label: (index: number) => string,
  ids: RecordIds,
): Promise<string[]> {
  const [currentOptions, currentRows, imageRows] = await Promise.all([
    trx.selectFrom('product_options').select(['id', 'position', 'name', 'value_list']).where('product_id', '=', productId).orderBy('position').execute(),
    trx.selectFrom('variants').select(VARIANT_COLUMNS).where('product_id', '=', productId).execute(),
    trx.selectFrom('images').select('id').where('product_id', '=', productId).execute(),
  ]);
  const current = new Map(currentRows.map((row) => [row.id, row]));
  const imageIds = new Set(imageRows.map((row) => row.id));
  const options = change.options ?? currentOptions.map((option) => ({ name: option.name, values: JSON.parse(option.value_list) as string[] }));
  const problems: string[] = [];
  const rows: Array<VariantRow & { isNew: boolean; changed: boolean }> = [];
  change.entries.forEach((entry, index) => {
    const { id, position: _position, ...fields } = entry;
    const existing = id === undefined ? undefined : current.get(id);
    if (id !== undefined && !existing) {
      problems.push(`${label(index)}Variant ${id} does not belong to this product`);
      return;
    }
    if (fields.image_id && !imageIds.has(fields.image_id)) problems.push(`${label(index)}Image ${fields.image_id} does not belong to this product`);
    const base: VariantRow = existing ?? { id: ids.next('variant'), product_id: productId, title: '', ...VARIANT_DEFAULTS, position: 0, created_at: now, updated_at: now };
    const next: VariantRow = { ...base, ...fields, position: index + 1 };
    next.title = variantTitle(next);
    // Only a variant the request is about gets a new updated_at; one that just moves or is retitled keeps its own.
    const edited = existing !== undefined && (change.touched?.has(index) ?? Object.keys(fields).length > 0);
    if (edited) next.updated_at = now;
    const shifted = existing !== undefined && (next.position !== existing.position || next.title !== existing.title);
    rows.push({ ...next, isNew: existing === undefined, changed: edited || shifted });
  });
  if (problems.length === 0) problems.push(...variantProblems(options.length, rows, label));
  if (rows.length === 0 && problems.length === 0) problems.push('A product must have at least one variant');
  if (problems.length > 0) throw validation(problems);

  const settled = optionValues(options, rows);
  for (let k = 0; k < Math.max(settled.length, currentOptions.length); k++) {
    const option = settled[k];
    const stored = currentOptions[k];
    if (!option) await trx.deleteFrom('product_options').where('id', '=', stored!.id).execute();
    else if (!stored) {
      await trx
        .insertInto('product_options')
        .values({ id: ids.next('option'), shop_id: shopId, product_id: productId, position: k + 1, name: option.name, value_list: JSON.stringify(option.values) })
        .execute();
    } else if (stored.name !== option.name || stored.value_list !== JSON.stringify(option.values)) {
      await trx.updateTable('product_options').set({ name: option.name, value_list: JSON.stringify(option.values) }).where('id', '=', stored.id).execute();
    }
  }
  const kept = new Set(rows.map((row) => row.id));
  const removed = currentRows.filter((row) => !kept.has(row.id)).map((row) => row.id);
  if (removed.length > 0) await trx.deleteFrom('variants').where('id', 'in', removed).execute();
  const inserts = rows.filter((row) => row.isNew).map(({ isNew: _n, changed: _c, ...row }) => ({ ...row, shop_id: shopId }));
  if (inserts.length > 0) await trx.insertInto('variants').values(inserts).execute();
  for (const { isNew, changed, id, product_id: _p, created_at: _c, ...fields } of rows) {
    if (!isNew && changed) await trx.updateTable('variants').set(fields).where('id', '=', id).execute();
  }
  return rows.map((row) => row.id);
}

/**
 * Links variants of the product to an image (image create and update's `variant_ids` extension);
 * an id that is not one of the product's variants is refused, naming it.
 */
export async function linkVariants(trx: Transaction<Schema>, productId: string, imageId: string, variantIds: readonly string[], now: string): Promise<void> {
  if (variantIds.length === 0) return;
  const found = new Set(
    (await trx.selectFrom('variants').select('id').where('product_id', '=', productId).where('id', 'in', [...variantIds]).execute()).map((row) => row.id),
  );
  const unknown = variantIds.filter((id) => !found.has(id));
  if (unknown.length > 0) throw validation(unknown.map((id) => `Variant ${id} does not belong to this product`));
  await trx.updateTable('variants').set({ image_id: imageId, updated_at: now }).where('id', 'in', [...variantIds]).execute();
}

/**
 * Before images of the product are deleted: refuses when the product needs variant images and a
 * variant shows one of them, else unlinks every variant that shows one. Same transaction as the delete.
 */
export async function unlinkImages(trx: Transaction<Schema>, productId: string, imageIds: readonly string[], now: string): Promise<void> {
  if (imageIds.length === 0) return;
  const linked = await trx.selectFrom('variants').select(['id', 'image_id']).where('product_id', '=', productId).where('image_id', 'in', [...imageIds]).orderBy('position').execute();
  if (linked.length === 0) return;
  const product = await trx.selectFrom('products').select('need_variant_image').where('id', '=', productId).executeTakeFirstOrThrow();
  if (product.need_variant_image === 1) {
    const images = [...new Set(linked.map((row) => row.image_id))];
    throw validation(images.map((id) => `Image ${id} is the image of a variant, and this product needs an image on every variant`));
  }
  await trx.updateTable('variants').set({ image_id: '', updated_at: now }).where('id', 'in', linked.map((row) => row.id)).execute();
}

/** Storage of the variant endpoints; product create and update reach the same rules through writeCatalogue. */
export class KyselyVariantRepository implements VariantRepository {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly changes: ProductChanges,
    private readonly ids: RecordIds,
  ) {}

  async list(shopId: string, productId: string): Promise<Variant[] | null> {
    if (!(await this.exists(shopId, productId))) return null;
    return (await loadCatalogues(this.db, [productId])).get(productId)!.variants;
  }

  async count(shopId: string, productId: string): Promise<number | null> {
    if (!(await this.exists(shopId, productId))) return null;
    const row = await this.db.selectFrom('variants').select((eb) => eb.fn.countAll().as('n')).where('product_id', '=', productId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async get(shopId: string, variantId: string): Promise<Variant | null> {
    const row = await this.db.selectFrom('variants').select(VARIANT_COLUMNS).where('id', '=', variantId).where('shop_id', '=', shopId).executeTakeFirst();
    if (!row) return null;
    return withImage(row, new Map((await imagesOf(this.db, [row])).map((image) => [image.id, image])));
  }

  async create(shopId: string, productId: string, input: VariantInput, now: string): Promise<Variant | null> {
    const id = await this.change(shopId, productId, now, async (trx, ids) => {
      const entries: ProductVariantEntry[] = ids.map((existing) => ({ id: existing }));
      const at = insertPosition(input.position, ids.length) - 1;
      entries.splice(at, 0, input);
      const written = await writeCatalogue(trx, shopId, productId, { entries, touched: new Set() }, now, () => '', this.ids);
      return written[at]!;
    });
    return id === null ? null : this.get(shopId, id);
  }

  async update(shopId: string, variantId: string, input: VariantInput, now: string): Promise<Variant | null> {
    const owner = await this.db.selectFrom('variants').select('product_id').where('id', '=', variantId).where('shop_id', '=', shopId).executeTakeFirst();
    if (!owner) return null;
    const done = await this.change(shopId, owner.product_id, now, async (trx, ids) => {
      const from = ids.indexOf(variantId);
      if (from < 0) return null;
      const entries: ProductVariantEntry[] = ids.map((existing) => ({ id: existing }));
      entries[from] = { ...input, id: variantId };
      if (input.position !== undefined) {
        const [moved] = entries.splice(from, 1);
        entries.splice(movePosition(input.position, ids.length) - 1, 0, moved!);
      }
      const at = entries.findIndex((entry) => entry.id === variantId);
      await writeCatalogue(trx, shopId, owner.product_id, { entries, touched: new Set([at]) }, now, () => '', this.ids);
      return variantId;
    });
    return done === null ? null : this.get(shopId, variantId);
  }

  async delete(shopId: string, productId: string, variantId: string, now: string): Promise<'deleted' | 'no-product' | 'no-variant'> {
    const result = await this.change(shopId, productId, now, async (trx, ids) => {
      if (!ids.includes(variantId)) return 'no-variant' as const;
      const entries = ids.filter((id) => id !== variantId).map((id) => ({ id }));
      await writeCatalogue(trx, shopId, productId, { entries, touched: new Set() }, now, () => '', this.ids);
      return 'deleted' as const;
    });
    return result ?? 'no-product';
  }

  private async exists(shopId: string, productId: string): Promise<boolean> {
    return (await this.db.selectFrom('products').select('id').where('id', '=', productId).where('shop_id', '=', shopId).executeTakeFirst()) !== undefined;
  }

  /** One locked, announced transaction on the product; null when the product is missing. */
  private change<T>(shopId: string, productId: string, now: string, work: (trx: Transaction<Schema>, variantIds: string[]) => Promise<T>): Promise<T | null> {
    return changeProduct(this.changes, productId, () =>
      this.db.transaction().execute(async (trx) => {
        if (!(await lockProduct(trx, shopId, productId, now))) return null;
        await this.changes.notify(trx, productId);
        const ids = (await trx.selectFrom('variants').select('id').where('product_id', '=', productId).orderBy('position').execute()).map((row) => row.id);
        const result = await work(trx, ids);
        // A variant named but not found changed nothing worth announcing.
        if (result !== null && result !== 'no-variant') await this.changes.events.record(trx, shopId, productId, 'products/update', now);
        return result;
      }),
    );
  }
}
