import { randomUUID } from 'node:crypto';
import type { Database } from './database.js';
import { IMAGE_COLUMNS, newImageRow } from './image-columns.js';
import { PRODUCT_COLUMNS } from './product-repository.js';
import type { ImagesTable, ProductsTable } from './schema.js';

export interface SeedResult {
  products: number;
  images: number;
  /** A seeded product with a full gallery, and one of its images: handy targets for benchmarks. */
  productId: string;
  imageId: string;
}

/** Rows for one table, each an array of values in `columns` order. */
export interface BulkInsert {
  table: 'products' | 'images';
  columns: readonly string[];
  rows: unknown[][];
}

const BATCH = 20_000;
const PRODUCT_ROW = ['shop_id', ...PRODUCT_COLUMNS] as const;
const IMAGE_ROW = ['shop_id', ...IMAGE_COLUMNS] as const;

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
  const write = database.raw.dialect === 'sqlite' ? sqliteWriter(database.raw.sqlite) : postgresWriter(database.raw.pool);
  let products: unknown[][] = [];
  let images: unknown[][] = [];
  const flush = async () => {
    await write([
      { table: 'products', columns: PRODUCT_ROW, rows: products },
      { table: 'images', columns: IMAGE_ROW, rows: images },
    ]);
    products = [];
    images = [];
  };
  while (result.images < total) {
    const n = result.products + 1;
    const product: ProductsTable = {
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
    const count = Math.min(perProduct, total - result.images);
    for (let position = 1; position <= count; position++) {
      const m = result.images + position;
      const fields = { src: `https://img.example.com/seed/${m}.jpg`, path: `${m}.jpg`, width: 800, height: 600, alt: '' };
      const image: ImagesTable = { shop_id: shopId, ...newImageRow(product.id, position, fields, now) };
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
  if (database.raw.dialect === 'sqlite') database.raw.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  return result;
}

function sqliteWriter(sqlite: import('better-sqlite3').Database): (inserts: BulkInsert[]) => Promise<void> {
  // Random UUID keys land all over the indexes: a large page cache keeps the B-tree pages in memory
  // instead of re-reading them for every row. Durability comes from the final checkpoint.
  sqlite.pragma('cache_size = -524288');
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('wal_autocheckpoint = 100000');
  const statements = new Map<string, import('better-sqlite3').Statement>();
  const statement = ({ table, columns }: BulkInsert) => {
    const text = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(',')})`;
    let prepared = statements.get(text);
    if (!prepared) statements.set(text, (prepared = sqlite.prepare(text)));
    return prepared;
  };
  const insert = sqlite.transaction((inserts: BulkInsert[]) => {
    for (const each of inserts) {
      const prepared = statement(each);
      for (const row of each.rows) prepared.run(row);
    }
  });
  return async (inserts) => insert(inserts);
}

function postgresWriter(pool: import('pg').Pool): (inserts: BulkInsert[]) => Promise<void> {
  // unnest() needs each array's type: the table's own column types, asked once per table.
  const tables = new Map<string, Promise<Map<string, string>>>();
  const typesOf = (table: string) => {
    let known = tables.get(table);
    if (!known) {
      known = pool
        .query<{ column_name: string; udt_name: string }>(
          'SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
          [table],
        )
        .then((result) => new Map(result.rows.map((row) => [row.column_name, row.udt_name])));
      tables.set(table, known);
    }
    return known;
  };
  // One statement per table and batch: each column travels as an array and unnest() turns them into rows.
  const statement = async ({ table, columns }: BulkInsert) => {
    const types = await typesOf(table);
    const arrays = columns.map((column, i) => {
      const type = types.get(column);
      if (!type) throw new Error(`seed: the ${table} table has no column ${column}`);
      return `$${i + 1}::${type}[]`;
    });
    return `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${arrays.join(', ')})`;
  };
  const columnsOf = (rows: unknown[][], width: number) => Array.from({ length: width }, (_, i) => rows.map((row) => row[i]));
  return async (inserts) => {
    const texts = await Promise.all(inserts.map(statement));
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      for (const [i, each] of inserts.entries()) await client.query(texts[i]!, columnsOf(each.rows, each.columns.length));
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  };
}
