import { randomUUID } from 'node:crypto';
import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectName } from '../dialect-name.js';

/**
 * Variants and options of products, and the product's `need_variant_image` flag. Products stored
 * before this step get their one default variant here, so every product has at least one variant
 * from then on and reads never need to make one up. A variant's `image_id` is text, '' for none, as
 * the API answers it (no foreign key: deleting an image unlinks its variants in the same transaction).
 */
export function variantsAndOptions(dialect: DialectName): Migration {
  const uuid = dialect === 'postgres' ? sql`uuid` : sql`text`;
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('products').addColumn('need_variant_image', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema
        .createTable('product_options')
        .addColumn('id', uuid, (c) => c.primaryKey())
        .addColumn('shop_id', uuid, (c) => c.notNull())
        .addColumn('product_id', uuid, (c) => c.notNull().references('products.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        // A JSON array of strings, in order.
        .addColumn('value_list', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('product_options_product').on('product_options').columns(['product_id', 'position']).execute();
      await db.schema
        .createTable('variants')
        .addColumn('id', uuid, (c) => c.primaryKey())
        .addColumn('shop_id', uuid, (c) => c.notNull())
        .addColumn('product_id', uuid, (c) => c.notNull().references('products.id').onDelete('cascade'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('option1', 'text')
        .addColumn('option2', 'text')
        .addColumn('option3', 'text')
        .addColumn('price', 'text', (c) => c.notNull())
        .addColumn('compare_at_price', 'text', (c) => c.notNull())
        .addColumn('sku', 'text', (c) => c.notNull())
        .addColumn('barcode', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('weight', 'text', (c) => c.notNull())
        .addColumn('weight_unit', 'text', (c) => c.notNull())
        .addColumn('inventory_quantity', 'integer', (c) => c.notNull())
        .addColumn('image_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('variants_product_position').on('variants').columns(['product_id', 'position']).execute();
      await db.schema.createIndex('variants_image').on('variants').column('image_id').execute();
      // Every product stored so far gets its default variant, made as product create makes one.
      const products = await db.selectFrom('products').select(['id', 'shop_id', 'created_at']).execute();
      for (let i = 0; i < products.length; i += 500) {
        const rows = products.slice(i, i + 500).map((p: { id: string; shop_id: string; created_at: string }) => ({
          id: randomUUID(),
          shop_id: p.shop_id,
          product_id: p.id,
          title: 'Default Title',
          option1: null,
          option2: null,
          option3: null,
          price: '0.00',
          compare_at_price: '0.00',
          sku: '',
          barcode: '',
          position: 1,
          weight: '0',
          weight_unit: 'kg',
          inventory_quantity: 0,
          image_id: '',
          created_at: p.created_at,
          updated_at: p.created_at,
        }));
        await db.insertInto('variants').values(rows).execute();
      }
    },
  };
}
