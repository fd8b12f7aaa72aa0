import { type Kysely, sql } from 'kysely';
import { isBlobName } from '../imaging/blob-store.js';
import { distinctImagePaths } from '../storage/image-file-queries.js';
import type { Schema } from '../storage/schema.js';

export interface DatabaseFacts {
  stores: number;
  products: number;
  images: number;
  /** The last migration it ran (migrations are named in order), null when it has none. */
  schemaMigration: string | null;
  /** Every migration it ran: a restore refuses one it does not know (a newer prodimg's). */
  migrations: string[];
}

/** What a manifest and a restore's summary say of a database. */
export async function databaseFacts(db: Kysely<Schema>): Promise<DatabaseFacts> {
  const count = (table: 'shops' | 'products' | 'images') => rowCount(db, table);
  const { rows } = await sql<{ name: string }>`select name from prodimg_migrations order by name`.execute(db);
  const migrations = rows.map((row) => row.name);
  return {
    stores: await count('shops'),
    products: await count('products'),
    images: await count('images'),
    schemaMigration: migrations.at(-1) ?? null,
    migrations,
  };
}

/**
 * The files the database's image rows reference: paths that are names in our library (with
 * ingestion off a path is only the file name of an outside URL, and no file of ours).
 */
export async function* referencedFiles(db: Kysely<Schema>): AsyncIterable<string> {
  for await (const path of distinctImagePaths(db)) if (isBlobName(path)) yield path;
}

/** Files in the blobs table (PRODIMG_BLOB_STORE=database). */
export function blobRowCount(db: Kysely<Schema>): Promise<number> {
  return rowCount(db, 'blobs');
}

/** PostgreSQL counts as a bigint, which pg hands over as a string. */
async function rowCount(db: Kysely<Schema>, table: 'shops' | 'products' | 'images' | 'blobs'): Promise<number> {
  return Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n);
}
