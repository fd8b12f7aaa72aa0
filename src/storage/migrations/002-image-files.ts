import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectName } from '../dialect-name.js';

/**
 * Files of the image library: an index so "does any image still use this file?" is one index probe,
 * and the blobs table that the PostgreSQL blob store keeps file bytes in (so several servers sharing
 * one PostgreSQL share the files too). SQLite gets the table as well, to keep one schema.
 */
export function imageFiles(dialect: DialectName): Migration {
  const bytes = dialect === 'postgres' ? sql`bytea` : sql`blob`;
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('images_path').on('images').column('path').execute();
      await db.schema
        .createTable('blobs')
        .addColumn('name', 'text', (c) => c.primaryKey())
        // The 32-hex content hash shared by an original and its variants, for deleting them together.
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('bytes', bytes, (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('blobs_hash').on('blobs').column('hash').execute();
    },
  };
}
