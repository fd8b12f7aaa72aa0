import type { Image } from '../domain/entities.js';
import type { RawConnection } from './database.js';
import { IMAGE_COLUMNS } from './image-columns.js';

export interface GrantRow {
  token_hash: string;
  scopes: string;
  shop_id: string;
  subdomain: string;
  active: number;
}

/**
 * The reads every API request makes (token lookup, image details, image list, count), each one
 * prepared statement straight on the driver: Kysely's per-query compile and, on SQLite, statement
 * re-preparation cost more than the lookup itself. Results are committed data only.
 */
export interface HotReads {
  grant(tokenHash: string): Promise<GrantRow | null>;
  image(shopId: string, productId: string, imageId: string): Promise<Image | null>;
  /** The product's images by position; null when the product is not the shop's. */
  images(shopId: string, productId: string): Promise<Image[] | null>;
  count(shopId: string, productId: string): Promise<number | null>;
}

const IMAGE = IMAGE_COLUMNS.map((column) => `i.${column}`).join(', ');

const SQL = {
  grant: `SELECT t.token_hash, t.scopes, s.id AS shop_id, s.subdomain, s.active
          FROM access_tokens t JOIN shops s ON s.id = t.shop_id WHERE t.token_hash = $1`,
  image: `SELECT ${IMAGE} FROM images i WHERE i.id = $1 AND i.product_id = $2 AND i.shop_id = $3`,
  // One round trip tells "no such product" (no row) from "no images" (one row of nulls).
  images: `SELECT p.id AS owner, ${IMAGE} FROM products p LEFT JOIN images i ON i.product_id = p.id
           WHERE p.id = $1 AND p.shop_id = $2 ORDER BY i.position`,
  count: `SELECT (SELECT count(*) FROM images WHERE product_id = p.id) AS n FROM products p WHERE p.id = $1 AND p.shop_id = $2`,
};

type ImageRow = Image & { owner?: string };

function galleryOf(rows: ImageRow[]): Image[] | null {
  if (rows.length === 0) return null;
  if (rows[0]!.id === null) return [];
  return rows.map(({ owner: _owner, ...image }) => image);
}

export function createHotReads(raw: RawConnection): HotReads {
  if (raw.dialect === 'postgres') {
    const { pool } = raw;
    // Named statements are parsed and planned once per pooled connection.
    const run = async <T>(name: keyof typeof SQL, values: unknown[]): Promise<T[]> =>
      (await pool.query({ name: `prodimg_${name}`, text: SQL[name], values })).rows as T[];
    return {
      grant: async (hash) => (await run<GrantRow>('grant', [hash]))[0] ?? null,
      image: async (shopId, productId, imageId) => (await run<Image>('image', [imageId, productId, shopId]))[0] ?? null,
      images: async (shopId, productId) => galleryOf(await run<ImageRow>('images', [productId, shopId])),
      count: async (shopId, productId) => {
        const row = (await run<{ n: string }>('count', [productId, shopId]))[0];
        return row ? Number(row.n) : null;
      },
    };
  }
  // better-sqlite3 wants plain `?`; every statement above uses $1, $2, ... once each, in order.
  const prepare = (sql: string) => raw.reader().prepare(sql.replace(/\$\d+/g, '?'));
  let statements: Record<keyof typeof SQL, import('better-sqlite3').Statement> | null = null;
  const statement = (name: keyof typeof SQL) => {
    statements ??= { grant: prepare(SQL.grant), image: prepare(SQL.image), images: prepare(SQL.images), count: prepare(SQL.count) };
    return statements[name];
  };
  return {
    grant: async (hash) => (statement('grant').get(hash) as GrantRow | undefined) ?? null,
    image: async (shopId, productId, imageId) => (statement('image').get(imageId, productId, shopId) as Image | undefined) ?? null,
    images: async (shopId, productId) => galleryOf(statement('images').all(productId, shopId) as ImageRow[]),
    count: async (shopId, productId) => {
      const row = statement('count').get(productId, shopId) as { n: number } | undefined;
      return row ? row.n : null;
    },
  };
}
