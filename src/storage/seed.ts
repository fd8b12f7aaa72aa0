import { randomUUID } from 'node:crypto';
import type { Database } from './database.js';

export interface SeedResult {
  products: number;
  images: number;
  /** A seeded product with a full gallery, and one of its images: handy targets for benchmarks. */
  productId: string;
  imageId: string;
}

interface Rows {
  products: unknown[][];
  images: unknown[][];
}

const BATCH = 20_000;

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
  let rows: Rows = { products: [], images: [] };
  while (result.images < total) {
    const productId = randomUUID();
    const count = Math.min(perProduct, total - result.images);
    rows.products.push([productId, shopId, `Seeded product ${result.products + 1}`, `seeded-${result.products + 1}`, '', '', '', 1, now, now, now]);
    for (let position = 1; position <= count; position++) {
      const n = result.images + position;
      const id = randomUUID();
      rows.images.push([id, shopId, productId, position, `https://img.example.com/seed/${n}.jpg`, `${n}.jpg`, 800, 600, '', now, now]);
      if (result.productId === '' && count === perProduct) result.imageId ||= id;
    }
    if (result.productId === '' && count === perProduct) result.productId = productId;
    result.products++;
    result.images += count;
    if (rows.images.length >= BATCH) {
      await write(rows);
      rows = { products: [], images: [] };
      progress?.(result.images);
    }
  }
  if (rows.products.length > 0) await write(rows);
  if (database.raw.dialect === 'sqlite') database.raw.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  return result;
}

const PRODUCT_COLUMNS = 'id, shop_id, title, handle, description, vendor, tags, published, published_at, created_at, updated_at';
const IMAGE_COLUMNS = 'id, shop_id, product_id, position, src, path, width, height, alt, created_at, updated_at';

function sqliteWriter(sqlite: import('better-sqlite3').Database): (rows: Rows) => Promise<void> {
  // Random UUID keys land all over the indexes: a large page cache keeps the B-tree pages in memory
  // instead of re-reading them for every row. Durability comes from the final checkpoint.
  sqlite.pragma('cache_size = -524288');
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('wal_autocheckpoint = 100000');
  const product = sqlite.prepare(`INSERT INTO products (${PRODUCT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)`);
  const image = sqlite.prepare(`INSERT INTO images (${IMAGE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)`);
  const insert = sqlite.transaction((rows: Rows) => {
    for (const row of rows.products) product.run(row);
    for (const row of rows.images) image.run(row);
  });
  return async (rows) => insert(rows);
}

function postgresWriter(pool: import('pg').Pool): (rows: Rows) => Promise<void> {
  const types = {
    products: ['uuid', 'uuid', 'text', 'text', 'text', 'text', 'text', 'int', 'text', 'text', 'text'],
    images: ['uuid', 'uuid', 'uuid', 'int', 'text', 'text', 'int', 'int', 'text', 'text', 'text'],
  };
  // One statement per table and batch: each column travels as an array and unnest() turns them into rows.
  const statement = (table: 'products' | 'images', columns: string) =>
    `INSERT INTO ${table} (${columns}) SELECT * FROM unnest(${types[table].map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;
  const columnsOf = (rows: unknown[][], width: number) => Array.from({ length: width }, (_, i) => rows.map((row) => row[i]));
  return async (rows) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(statement('products', PRODUCT_COLUMNS), columnsOf(rows.products, 11));
      await client.query(statement('images', IMAGE_COLUMNS), columnsOf(rows.images, 11));
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  };
}
