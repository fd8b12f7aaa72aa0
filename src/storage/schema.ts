/** Table shapes as Kysely sees them. Booleans are 0/1 integers so both dialects store them alike. */
export interface ShopsTable {
  id: string;
  subdomain: string;
  name: string;
  active: number;
  created_at: string;
  updated_at: string;
}

export interface AccessTokensTable {
  token_hash: string;
  shop_id: string;
  scopes: string;
  created_at: string;
}

export interface ProductsTable {
  id: string;
  shop_id: string;
  title: string;
  handle: string;
  description: string;
  vendor: string;
  tags: string;
  published: number;
  published_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ImagesTable {
  id: string;
  shop_id: string;
  product_id: string;
  position: number;
  src: string;
  path: string;
  width: number;
  height: number;
  alt: string;
  created_at: string;
  updated_at: string;
}

export interface BlobsTable {
  name: string;
  hash: string;
  size: number;
  bytes: Buffer;
  created_at: string;
}

export interface Schema {
  shops: ShopsTable;
  access_tokens: AccessTokensTable;
  products: ProductsTable;
  images: ImagesTable;
  blobs: BlobsTable;
}
