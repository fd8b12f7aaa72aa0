import { type ColumnDefinitionBuilder, type Kysely, type Migration, sql } from 'kysely';
import type { DialectName } from '../dialect-name.js';
import { defaultVariantRow } from '../variant-repository.js';

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
      // Both tables belong to a product of a store, as images do.
      const ofProduct = (table: string) =>
        db.schema
          .createTable(table)
          .addColumn('id', uuid, (c) => c.primaryKey())
          .addColumn('shop_id', uuid, (c) => c.notNull())
          .addColumn('product_id', uuid, (c) => c.notNull().references('products.id').onDelete('cascade'));
      const required = (c: ColumnDefinitionBuilder) => c.notNull();
      // `value_list`: the option's values as a JSON array of strings, in order.
      await ofProduct('product_options').addColumn('position', 'integer', required).addColumn('name', 'text', required).addColumn('value_list', 'text', required).execute();
      await db.schema.createIndex('product_options_product').on('product_options').columns(['product_id', 'position']).execute();
      let variants = ofProduct('variants').addColumn('title', 'text', required).addColumn('option1', 'text').addColumn('option2', 'text').addColumn('option3', 'text');
      for (const column of ['price', 'compare_at_price', 'sku', 'barcode'] as const) variants = variants.addColumn(column, 'text', required);
      variants = variants.addColumn('position', 'integer', required).addColumn('weight', 'text', required).addColumn('weight_unit', 'text', required);
      variants = variants.addColumn('inventory_quantity', 'integer', required).addColumn('image_id', 'text', required);
      await variants.addColumn('created_at', 'text', required).addColumn('updated_at', 'text', required).execute();
      await db.schema.createIndex('variants_product_position').on('variants').columns(['product_id', 'position']).execute();
      await db.schema.createIndex('variants_image').on('variants').column('image_id').execute();
      // Every product stored so far gets its default variant, from the one definition seeding uses too.
      const products: Array<{ id: string; shop_id: string; created_at: string }> = await db.selectFrom('products').select(['id', 'shop_id', 'created_at']).execute();
      for (let i = 0; i < products.length; i += 500) {
        // The columns of this step only: later steps (015) add theirs with defaults.
        const rows = products.slice(i, i + 500).map((p) => {
          const { cost_price: _cost, note: _note, ...row } = defaultVariantRow(p.id, p.created_at);
          return { shop_id: p.shop_id, ...row };
        });
        await db.insertInto('variants').values(rows).execute();
      }
    },
  };
}
