import type { Kysely } from 'kysely';
import { type Image, PRODUCT_FIELDS, type Product, type ProductSettings, type ProductWithImages } from '../domain/entities.js';
import { IMAGE_COLUMNS } from './image-columns.js';
import { PRODUCT_FLAGS, type ProductFlag } from './product-flags.js';
import type { ProductsTable, Schema } from './schema.js';
import { loadCatalogues } from './variant-repository.js';

/** The product columns: the product's fields in API order (shop_id is implied by every query). */
export const PRODUCT_COLUMNS = PRODUCT_FIELDS;

export type ProductRow = Pick<ProductsTable, (typeof PRODUCT_COLUMNS)[number] | 'need_variant_image'>;
/** Product columns read for an answer. */
export const SELECTED = [...PRODUCT_COLUMNS, 'need_variant_image'] as const;

export function toProduct(row: ProductRow): Product & { need_variant_image: boolean } {
  const { need_variant_image, ...product } = row;
  const flags = Object.fromEntries(PRODUCT_FLAGS.map((flag) => [flag, row[flag] === 1])) as Record<ProductFlag, boolean>;
  return { ...product, ...flags, need_variant_image: need_variant_image === 1 };
}

/** A product's settings as stored (its flags 0/1). */
export function settingsRow(settings: ProductSettings): Omit<ProductsTable, Exclude<keyof ProductsTable, keyof ProductSettings>> {
  const { requires_shipping, taxable, inventory_tracking, display_fake_sales, ...rest } = settings;
  return { ...rest, requires_shipping: requires_shipping ? 1 : 0, taxable: taxable ? 1 : 0, inventory_tracking: inventory_tracking ? 1 : 0, display_fake_sales: display_fake_sales ? 1 : 0 };
}

/** A product's flags as stored (0/1), for those of `fields` that are set. */
export function storedFlags(fields: Partial<Record<ProductFlag, boolean>>): Partial<Record<ProductFlag, number>> {
  return Object.fromEntries(PRODUCT_FLAGS.flatMap((flag) => (fields[flag] === undefined ? [] : [[flag, fields[flag] ? 1 : 0]])));
}

/** The products of `rows` with their images, options and variants, read through `db` (a transaction sees its own writes). */
export async function withImages(db: Kysely<Schema>, rows: ProductRow[]): Promise<ProductWithImages[]> {
  if (rows.length === 0) return [];
  const images = await db
    .selectFrom('images')
    .select(IMAGE_COLUMNS)
    .where(
      'product_id',
      'in',
      rows.map((row) => row.id),
    )
    .orderBy('product_id')
    .orderBy('position')
    .execute();
  const byProduct = new Map<string, Image[]>();
  for (const image of images) {
    const list = byProduct.get(image.product_id);
    if (list) list.push(image);
    else byProduct.set(image.product_id, [image]);
  }
  const catalogues = await loadCatalogues(db, rows.map((row) => row.id), images);
  return rows.map((row) => ({ ...toProduct(row), images: byProduct.get(row.id) ?? [], ...catalogues.get(row.id)! }));
}

/** One product as an answer shows it, read through `db`; null when missing. */
export async function loadProduct(db: Kysely<Schema>, productId: string): Promise<ProductWithImages | null> {
  const row = await db.selectFrom('products').select(SELECTED).where('id', '=', productId).executeTakeFirst();
  return row ? ((await withImages(db, [row]))[0] ?? null) : null;
}
