import { type Static, Type } from '@sinclair/typebox';

const Uuid = Type.String({ format: 'uuid' });
const Timestamp = Type.String({ examples: ['2024-04-08T07:13:28Z'] });

/**
 * A product image: the one definition of its fields, in the API's names and order, so what is stored
 * is what is answered with no mapping on the hot path. The contract serialises responses from it and
 * storage derives its column lists from it.
 */
export const ImageFields = Type.Object(
  {
    id: Uuid,
    product_id: Uuid,
    position: Type.Integer({ minimum: 1 }),
    src: Type.String(),
    path: Type.String(),
    width: Type.Integer(),
    height: Type.Integer(),
    alt: Type.String(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { additionalProperties: false },
);
export type Image = Static<typeof ImageFields>;
export const IMAGE_FIELDS = Object.keys(ImageFields.properties) as ReadonlyArray<keyof Image>;

/** A product's own fields (its images are answered beside them). */
export const ProductFields = Type.Object(
  {
    id: Uuid,
    title: Type.String(),
    handle: Type.String(),
    description: Type.String(),
    vendor: Type.String(),
    tags: Type.String(),
    published: Type.Boolean(),
    published_at: Type.Union([Timestamp, Type.Null()]),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { additionalProperties: false },
);
export type Product = Static<typeof ProductFields>;
export const PRODUCT_FIELDS = Object.keys(ProductFields.properties) as ReadonlyArray<keyof Product>;

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
