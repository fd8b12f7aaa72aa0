import { randomUUID } from 'node:crypto';
import type { Database } from './database.js';
import { IMAGE_COLUMNS, newImageRow } from './image-columns.js';
import { PRODUCT_SETTING_DEFAULTS } from '../domain/entities.js';
import { PRODUCT_COLUMNS } from './product-repository.js';
import { settingsRow } from './product-snapshot.js';
import type { ImagesTable, ProductsTable, VariantsTable } from './schema.js';
import { defaultVariantRow, VARIANT_COLUMNS } from './variant-repository.js';

export interface SeedResult {
  products: number;
  images: number;
  /** A seeded product with a full gallery, and one of its images: handy targets for benchmarks. */
  productId: string;
  imageId: string;
}

const BATCH = 20_000;
const PRODUCT_ROW = ['shop_id', ...PRODUCT_COLUMNS] as const;
const IMAGE_ROW = ['shop_id', ...IMAGE_COLUMNS] as const;
const VARIANT_ROW = ['shop_id', ...VARIANT_COLUMNS] as const;

const valuesOf = <T>(columns: readonly (keyof T)[], row: T): unknown[] => columns.map((column) => row[column]);

/**
 * Fills a store with `total` images, `perProduct` to a product, for benchmarks and load tests. Goes
 * straight to the driver in large transactions: Kysely's per-statement cost would dominate here.
 */
export async function seedImages(
  database: Database,
  shopId: string,
  total: number,
  perProduct: number,
  now: string,
  progress?: (done: number) => void,
): Promise<SeedResult> {
  const result: SeedResult = { products: 0, images: 0, productId: '', imageId: '' };
  const writer = database.createBulkWriter();
  let products: unknown[][] = [];
  let images: unknown[][] = [];
  let variants: unknown[][] = [];
  const flush = async () => {
    await writer.write([
      { table: 'products', columns: PRODUCT_ROW, rows: products },
      { table: 'images', columns: IMAGE_ROW, rows: images },
      // Every product has its default variant, as product create makes it.
      { table: 'variants', columns: VARIANT_ROW, rows: variants },
    ]);
    products = [];
    images = [];
    variants = [];
  };
  while (result.images < total) {
    const n = result.products + 1;
    const product: ProductsTable = {
      ...settingsRow(PRODUCT_SETTING_DEFAULTS),
      id: randomUUID(),
      shop_id: shopId,
      title: `Seeded product ${n}`,
      handle: `seeded-${n}`,
      description: '',
      vendor: '',
      tags: '',
      published: 1,
      published_at: now,
      created_at: now,
      updated_at: now,
    };
    products.push(valuesOf(PRODUCT_ROW, product));
    const variant: VariantsTable = { shop_id: shopId, ...defaultVariantRow(product.id, now) };
    variants.push(valuesOf(VARIANT_ROW, variant));
    const count = Math.min(perProduct, total - result.images);
    for (let position = 1; position <= count; position++) {
      const m = result.images + position;
      const fields = { src: `https://img.example.com/seed/${m}.jpg`, path: `${m}.jpg`, width: 800, height: 600, alt: '' };
      const image: ImagesTable = { shop_id: shopId, ...newImageRow(randomUUID(), product.id, position, fields, now) };
      images.push(valuesOf(IMAGE_ROW, image));
      if (result.productId === '' && count === perProduct) result.imageId ||= image.id;
    }
    if (result.productId === '' && count === perProduct) result.productId = product.id;
    result.products++;
    result.images += count;
    if (images.length >= BATCH) {
      await flush();
      progress?.(result.images);
    }
  }
  if (products.length > 0) await flush();
  await writer.finish();
  return result;
}
