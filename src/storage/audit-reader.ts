import type { Kysely } from 'kysely';
import type { Image } from '../domain/entities.js';
import type { LinkedVariant } from '../domain/image-audit.js';
import { IMAGE_COLUMNS } from './image-columns.js';
import type { Schema } from './schema.js';

/** A store as the audit walks it. */
export interface AuditShop {
  id: string;
  subdomain: string;
}

/** One product with what the audit's rules read: its images in list order and the variants that name an image. */
export interface ProductToAudit {
  shop: AuditShop;
  id: string;
  title: string;
  images: Image[];
  variants: LinkedVariant[];
}

/** Which products: every store's, one store's, or one product (of one store when `shopId` is given). */
export interface AuditScope {
  shopId?: string;
  productId?: string;
}

export const AUDIT_PAGE_SIZE = 200;

export function findAuditShop(db: Kysely<Schema>, subdomain: string): Promise<AuditShop | undefined> {
  return db.selectFrom('shops').select(['id', 'subdomain']).where('subdomain', '=', subdomain.toLowerCase()).executeTakeFirst();
}

/** The store of a product, or undefined when no store has it (or not the one given). */
export function findAuditProductShop(db: Kysely<Schema>, productId: string, shopId?: string): Promise<AuditShop | undefined> {
  let query = db
    .selectFrom('products')
    .innerJoin('shops', 'shops.id', 'products.shop_id')
    .select(['shops.id as id', 'shops.subdomain as subdomain'])
    .where('products.id', '=', productId.toLowerCase());
  if (shopId !== undefined) query = query.where('shops.id', '=', shopId);
  return query.executeTakeFirst();
}

/** How many images the scope holds, for progress: one count, no rows read. */
export async function countAuditImages(db: Kysely<Schema>, scope: AuditScope): Promise<number> {
  let query = db.selectFrom('images').select((eb) => eb.fn.countAll().as('n'));
  if (scope.productId !== undefined) query = query.where('product_id', '=', scope.productId.toLowerCase());
  if (scope.shopId !== undefined) query = query.where('shop_id', '=', scope.shopId);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

/**
 * The scope's products, a page at a time: stores by subdomain, each store's products by
 * (created_at, id) after the last one seen (keyset, on the products_shop_created index), each
 * page's images and linked variants in one query each. At most one page is held at once, so memory
 * does not grow with the store.
 */
export async function* productsToAudit(db: Kysely<Schema>, scope: AuditScope, pageSize = AUDIT_PAGE_SIZE): AsyncGenerator<ProductToAudit> {
  let shops = db.selectFrom('shops').select(['id', 'subdomain']).orderBy('subdomain');
  if (scope.shopId !== undefined) shops = shops.where('id', '=', scope.shopId);
  for (const shop of await shops.execute()) {
    let after: { created_at: string; id: string } | undefined;
    for (;;) {
      let query = db
        .selectFrom('products')
        .select(['id', 'title', 'created_at'])
        .where('shop_id', '=', shop.id)
        .orderBy('created_at')
        .orderBy('id')
        .limit(pageSize);
      if (scope.productId !== undefined) query = query.where('id', '=', scope.productId.toLowerCase());
      if (after !== undefined) {
        const last = after;
        query = query.where((eb) => eb.or([eb('created_at', '>', last.created_at), eb.and([eb('created_at', '=', last.created_at), eb('id', '>', last.id)])]));
      }
      const products = await query.execute();
      if (products.length === 0) break;
      after = products.at(-1)!;
      const ids = products.map((product) => product.id);
      const images = await db
        .selectFrom('images')
        .select(IMAGE_COLUMNS)
        .where('product_id', 'in', ids)
        // The list order the API answers with; ties (broken positions) in creation order.
        .orderBy('product_id')
        .orderBy('position')
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      const variants = await db
        .selectFrom('variants')
        .select(['id', 'product_id', 'image_id'])
        .where('product_id', 'in', ids)
        .where('image_id', '!=', '')
        .orderBy('product_id')
        .orderBy('position')
        .execute();
      const imagesOf = groupBy(images, (image) => image.product_id);
      const variantsOf = groupBy(variants, (variant) => variant.product_id);
      for (const product of products) {
        yield {
          shop,
          id: product.id,
          title: product.title,
          images: imagesOf.get(product.id) ?? [],
          variants: (variantsOf.get(product.id) ?? []).map(({ id, image_id }) => ({ id, image_id })),
        };
      }
      if (products.length < pageSize) break;
    }
  }
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const list = groups.get(key(row));
    if (list) list.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
}
