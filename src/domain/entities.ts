import { type Static, Type } from '@sinclair/typebox';
import type { ShopDetails } from './shop-details.js';

const Uuid = Type.String({ format: 'uuid' });
const Timestamp = Type.String({ examples: ['2024-04-08T07:13:28Z'] });

/**
 * A product image: the one definition of its fields, in the API's names and order, so what is stored
 * is what is answered with no mapping on the hot path. The contract serialises responses from it and
 * storage derives its column lists from it.
 */
export const ImageFields = Type.Object(
  {
    id: Type.String({ format: 'uuid', examples: ['9b0f4c2e-4d1a-4e0b-8a39-2f6c1d7e5a10'], description: 'The unique identifier of the image.' }),
    product_id: Type.String({ format: 'uuid', examples: ['3fa2cd3e-5f3b-4b7a-9d41-0a1c2b3d4e5f'], description: 'The product the image belongs to.' }),
    position: Type.Integer({ minimum: 1, examples: [1], description: 'Its place among the product\'s images, 1..n.' }),
    src: Type.String({ examples: ['//127.0.0.1:8080/cdn/5d41402abc4b2a76b9719d911017c592.jpg'], description: 'The URL of the image.' }),
    path: Type.String({ examples: ['5d41402abc4b2a76b9719d911017c592.jpg'], description: 'The image file\'s name, the last part of its URL.' }),
    width: Type.Integer({ examples: [1588], description: 'The width of the image in pixels.' }),
    height: Type.Integer({ examples: [2246], description: 'The height of the image in pixels.' }),
    alt: Type.String({ examples: ['Front view'], description: 'Alternative text for the image (used for accessibility or descriptions).' }),
    created_at: Type.String({ examples: ['2024-04-08T07:13:28Z'], description: 'The timestamp indicating when the image was created.' }),
    updated_at: Type.String({ examples: ['2024-04-08T07:13:28Z'], description: 'The timestamp indicating when the image was last updated.' }),
  },
  { additionalProperties: false },
);
export type Image = Static<typeof ImageFields>;
export const IMAGE_FIELDS = Object.keys(ImageFields.properties) as ReadonlyArray<keyof Image>;

/**
 * A product's own stored fields, in the API's order as far as prodimg's earlier answers allow (its
 * images, options, variants and the computed fields are answered after them: schemas.ts).
 */
export const ProductFields = Type.Object(
  {
    id: Uuid,
    title: Type.String(),
    brief: Type.String({ description: 'A short description of the product.' }),
    handle: Type.String(),
    description: Type.String(),
    vendor: Type.String(),
    vendor_url: Type.String(),
    tags: Type.String(),
    published: Type.Boolean(),
    requires_shipping: Type.Boolean(),
    taxable: Type.Boolean(),
    published_at: Type.Union([Timestamp, Type.Null()]),
    created_at: Timestamp,
    updated_at: Timestamp,
    note: Type.String(),
    seo_title: Type.String(),
    seo_description: Type.String(),
    seo_keywords: Type.String({ description: 'Comma-separated, e.g. `key1,key2`.' }),
    inventory_tracking: Type.Boolean(),
    inventory_policy: Type.String({ examples: ['continue'], description: 'continue, deny or auto_unpublished.' }),
    spu: Type.String(),
    fake_sales: Type.Integer(),
    display_fake_sales: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type Product = Static<typeof ProductFields>;
export const PRODUCT_FIELDS = Object.keys(ProductFields.properties) as ReadonlyArray<keyof Product>;

export const INVENTORY_POLICIES = ['continue', 'deny', 'auto_unpublished'] as const;

/** The product fields a client sets beside title, handle, description, vendor, tags and published. */
export type ProductSettings = Pick<
  Product,
  | 'brief'
  | 'vendor_url'
  | 'requires_shipping'
  | 'taxable'
  | 'note'
  | 'seo_title'
  | 'seo_description'
  | 'seo_keywords'
  | 'inventory_tracking'
  | 'inventory_policy'
  | 'spu'
  | 'fake_sales'
  | 'display_fake_sales'
>;

/** What a new product has of them when they are not sent. */
export const PRODUCT_SETTING_DEFAULTS: Readonly<ProductSettings> = {
  brief: '',
  vendor_url: '',
  requires_shipping: true,
  taxable: true,
  note: '',
  seo_title: '',
  seo_description: '',
  seo_keywords: '',
  inventory_tracking: false,
  inventory_policy: 'continue',
  spu: '',
  fake_sales: 0,
  display_fake_sales: false,
};

export interface ProductWithImages extends Product {
  images: Image[];
  /** When true, deleting an image that a variant shows is refused (contract.md, Variants). */
  need_variant_image: boolean;
  options: ProductOption[];
  variants: Variant[];
}

/** One of a product's options (at most 3): its name and the values its variants may take. */
export const OptionFields = Type.Object(
  { id: Uuid, product_id: Uuid, position: Type.Integer(), name: Type.String(), values: Type.Array(Type.String()) },
  { additionalProperties: false },
);
export type ProductOption = Static<typeof OptionFields>;

/** What a variant shows of its image: these of the image's fields, in this order. */
export const VariantImageFields = Type.Pick(ImageFields, ['src', 'width', 'height', 'alt'], { additionalProperties: false });
export type VariantImage = Static<typeof VariantImageFields>;

/** A variant's own fields, in the API's order; `image_id` is '' when it has no image. */
export const VariantFields = Type.Object(
  {
    id: Uuid,
    product_id: Uuid,
    title: Type.String(),
    option1: Type.Union([Type.String(), Type.Null()]),
    option2: Type.Union([Type.String(), Type.Null()]),
    option3: Type.Union([Type.String(), Type.Null()]),
    price: Type.String({ examples: ['0.00'] }),
    compare_at_price: Type.String({ examples: ['0.00'] }),
    cost_price: Type.String({ examples: ['0.00'] }),
    sku: Type.String(),
    barcode: Type.String(),
    note: Type.String(),
    position: Type.Integer({ minimum: 1 }),
    weight: Type.String({ examples: ['0'] }),
    weight_unit: Type.String({ examples: ['kg'] }),
    inventory_quantity: Type.Integer(),
    image_id: Type.String(),
  },
  { additionalProperties: false },
);
export type VariantRow = Static<typeof VariantFields> & { created_at: string; updated_at: string };
export const VARIANT_FIELDS = [...Object.keys(VariantFields.properties), 'created_at', 'updated_at'] as ReadonlyArray<keyof VariantRow>;

/** A variant as answered: its fields, with its image (or null) after image_id. */
export type Variant = Static<typeof VariantFields> & { image: VariantImage | null; created_at: string; updated_at: string };

export const WEIGHT_UNITS = ['kg', 'g', 'lb', 'oz'] as const;

/** Variant fields a client may set; absent ones keep their value (or take the default on create). */
export interface VariantInput {
  option1?: string | null;
  option2?: string | null;
  option3?: string | null;
  price?: string;
  compare_at_price?: string;
  cost_price?: string;
  sku?: string;
  barcode?: string;
  note?: string;
  position?: number;
  weight?: string;
  weight_unit?: string;
  inventory_quantity?: number;
  /** '' unlinks. */
  image_id?: string;
  /**
   * Instead of image_id: the product's image at this 1-based place once the change is made. Importers
   * use it, as they cannot know a new image's id; no reader of a request sets it.
   */
  image_position?: number;
}

/** One entry of a product's variant list on update: an existing variant (by id) or a new one. */
export interface ProductVariantEntry extends VariantInput {
  id?: string;
}

export interface NewOption {
  name: string;
  values: string[];
}

export interface Shop extends ShopDetails {
  id: string;
  subdomain: string;
  name: string;
  active: boolean;
  created_at: string;
  updated_at: string;
}

/** What a valid access token grants: the store it belongs to and its scopes. */
export interface Grant {
  shopId: string;
  subdomain: string;
  active: boolean;
  /** Scope names (domain/scopes.ts): documented ones, or extra ones configured when it was issued. */
  scopes: readonly string[];
  /** The app whose rate-limit bucket (for this store) the token fills; absent: not rate limited. */
  rateLimitKey?: string;
  /** The app the OAuth flow issued it to (its client id); absent for tokens made with the CLI. */
  clientId?: string;
  /** When it stops working (unix ms); absent: never. */
  expiresAt?: number;
}

/** An app that can be installed on stores through OAuth (`prodimg apps create`). */
export interface App {
  client_id: string;
  name: string;
  redirect_uri: string;
  /** Where the platform sends a merchant to start an install (`prodimg apps install-url`); '' when none. */
  app_url: string;
  /** The scopes it may ask for (domain/scopes.ts). */
  scopes: string[];
  created_at: string;
}

/** Image fields a client may set; width/height are 0 when unknown. */
export interface NewImage {
  src: string;
  alt: string;
  width: number;
  height: number;
  position?: number;
  /** Extension: variants of the same product to show this image. */
  variant_ids?: string[];
}

export interface ImagePatch {
  src?: string;
  alt?: string;
  width?: number;
  height?: number;
  position?: number;
  /** Extension: variants of the same product to show this image. */
  variant_ids?: string[];
}

export interface NewProduct extends Partial<ProductSettings> {
  title: string;
  handle?: string;
  description: string;
  vendor: string;
  tags: string;
  published: boolean;
  images: NewImage[];
  need_variant_image?: boolean;
  options?: NewOption[];
  /** None: one default variant. */
  variants?: VariantInput[];
}

export interface ProductPatch extends Partial<ProductSettings> {
  title?: string;
  handle?: string;
  description?: string;
  vendor?: string;
  tags?: string;
  published?: boolean;
  /** When present, the complete ordered image list: entries with an id are kept, others created. */
  images?: ProductImageEntry[];
  need_variant_image?: boolean;
  /** When present, the product's whole option list. */
  options?: NewOption[];
  /** When present, the complete ordered variant list: entries with an id are kept, others created. */
  variants?: ProductVariantEntry[];
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
