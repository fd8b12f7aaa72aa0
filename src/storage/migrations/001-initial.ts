import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectName } from '../dialect-name.js';

/**
 * Timestamps are stored as the API renders them (ISO-8601 UTC, second precision), which sorts
 * correctly as text and needs no conversion on the way out. Ids are native uuid on PostgreSQL.
 */
export function initial(dialect: DialectName): Migration {
  const uuid = dialect === 'postgres' ? sql`uuid` : sql`text`;
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('shops')
        .addColumn('id', uuid, (c) => c.primaryKey())
        .addColumn('subdomain', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('access_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('shop_id', uuid, (c) => c.notNull().references('shops.id').onDelete('cascade'))
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('products')
        .addColumn('id', uuid, (c) => c.primaryKey())
        .addColumn('shop_id', uuid, (c) => c.notNull().references('shops.id').onDelete('cascade'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('handle', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('vendor', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('published', 'integer', (c) => c.notNull())
        .addColumn('published_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // Cursor pagination walks (shop_id, created_at, id).
      await db.schema.createIndex('products_shop_created').on('products').columns(['shop_id', 'created_at', 'id']).execute();
      await db.schema
        .createTable('images')
        .addColumn('id', uuid, (c) => c.primaryKey())
        .addColumn('shop_id', uuid, (c) => c.notNull())
        .addColumn('product_id', uuid, (c) => c.notNull().references('products.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('src', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('height', 'integer', (c) => c.notNull())
        .addColumn('alt', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // Listing one product's images is an index range scan whatever the table size. Not unique:
      // shifting a block of positions passes through transient duplicates inside the transaction.
      await db.schema.createIndex('images_product_position').on('images').columns(['product_id', 'position']).execute();
    },
  };
}
