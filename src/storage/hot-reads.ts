import type { Image } from '../domain/entities.js';
import { IMAGE_COLUMNS } from './image-columns.js';

export interface GrantRow {
  token_hash: string;
  scopes: string;
  shop_id: string;
  subdomain: string;
  active: number;
  public_id: string;
  rate_limited: number;
  client_id: string | null;
  /** Unix ms; PostgreSQL's bigint arrives as a string. */
  expires_at: string | number | null;
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

/** The statements, written once for both databases; each uses $1, $2, ... once, in order. */
export const HOT_READ_SQL = {
  grant: `SELECT t.token_hash, t.scopes, t.public_id, t.rate_limited, t.client_id, t.expires_at, s.id AS shop_id, s.subdomain, s.active
          FROM access_tokens t JOIN shops s ON s.id = t.shop_id WHERE t.token_hash = $1`,
  image: `SELECT ${IMAGE} FROM images i WHERE i.id = $1 AND i.product_id = $2 AND i.shop_id = $3`,
  // One round trip tells "no such product" (no row) from "no images" (one row of nulls).
  images: `SELECT p.id AS owner, ${IMAGE} FROM products p LEFT JOIN images i ON i.product_id = p.id
           WHERE p.id = $1 AND p.shop_id = $2 ORDER BY i.position`,
  count: `SELECT (SELECT count(*) FROM images WHERE product_id = p.id) AS n FROM products p WHERE p.id = $1 AND p.shop_id = $2`,
};

export type HotReadName = keyof typeof HOT_READ_SQL;

/** How a dialect runs one of HOT_READ_SQL's statements, prepared once, on committed data. */
export interface HotStatements {
  first<T>(name: HotReadName, values: unknown[]): Promise<T | undefined>;
  all<T>(name: HotReadName, values: unknown[]): Promise<T[]>;
}

type ImageRow = Image & { owner?: string };

function galleryOf(rows: ImageRow[]): Image[] | null {
  if (rows.length === 0) return null;
  if (rows[0]!.id === null) return [];
  return rows.map(({ owner: _owner, ...image }) => image);
}

/** The hot reads over a dialect's way of running the statements. */
export function hotReadsOver(run: HotStatements): HotReads {
  return {
    grant: async (hash) => (await run.first<GrantRow>('grant', [hash])) ?? null,
    image: async (shopId, productId, imageId) => (await run.first<Image>('image', [imageId, productId, shopId])) ?? null,
    images: async (shopId, productId) => galleryOf(await run.all<ImageRow>('images', [productId, shopId])),
    count: async (shopId, productId) => {
      // PostgreSQL's count(*) is a bigint, which pg hands over as a string.
      const row = await run.first<{ n: number | string }>('count', [productId, shopId]);
      return row ? Number(row.n) : null;
    },
  };
}
