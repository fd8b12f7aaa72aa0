/** What the service stores and returns, in API field names so no mapping is needed on the hot path. */
export interface Image {
  id: string;
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

export interface Product {
  id: string;
  title: string;
  handle: string;
  description: string;
  vendor: string;
  tags: string;
  published: boolean;
  published_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ProductWithImages extends Product {
  images: Image[];
}

export interface Shop {
  id: string;
  subdomain: string;
  name: string;
  active: boolean;
  created_at: string;
  updated_at: string;
}

export const SCOPES = ['read_product', 'write_product'] as const;
export type Scope = (typeof SCOPES)[number];

/** What a valid access token grants: the store it belongs to and its scopes. */
export interface Grant {
  shopId: string;
  subdomain: string;
  active: boolean;
  scopes: readonly Scope[];
}

/** Image fields a client may set; width/height are 0 when unknown. */
export interface NewImage {
  src: string;
  alt: string;
  width: number;
  height: number;
  position?: number;
}

export interface ImagePatch {
  src?: string;
  alt?: string;
  width?: number;
  height?: number;
  position?: number;
}

export interface NewProduct {
  title: string;
  handle?: string;
  description: string;
  vendor: string;
  tags: string;
  published: boolean;
  images: NewImage[];
}

export interface ProductPatch {
  title?: string;
  handle?: string;
  description?: string;
  vendor?: string;
  tags?: string;
  published?: boolean;
  /** When present, the complete ordered image list: entries with an id are kept, others created. */
  images?: ProductImageEntry[];
}

/** One entry of a product's image list on update: an existing image (by id) or a new one (src). */
export interface ProductImageEntry {
  id?: string;
  src?: string;
  path?: string;
  alt?: string;
  width?: number;
  height?: number;
}
