import type { Kysely } from 'kysely';
import { type Image, PRODUCT_FIELDS, type Product, type ProductWithImages } from '../domain/entities.js';
import { IMAGE_COLUMNS } from './image-columns.js';
import type { ProductsTable, Schema } from './schema.js';
import { loadCatalogues } from './variant-repository.js';

/** The product columns: the product's fields in API order (shop_id is implied by every query). */
export const PRODUCT_COLUMNS = PRODUCT_FIELDS;

export type ProductRow = Pick<ProductsTable, (typeof PRODUCT_COLUMNS)[number] | 'need_variant_image'>;
/** Product columns read for an answer. */
export const SELECTED = [...PRODUCT_COLUMNS, 'need_variant_image'] as const;

export function toProduct(row: ProductRow): Product & { need_variant_image: boolean } {
  const { need_variant_image, ...product } = row;
  return { ...product, published: row.published === 1, need_variant_image: need_variant_image === 1 };
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
