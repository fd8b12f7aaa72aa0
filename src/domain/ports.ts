import type { App, Grant, Image, ImagePatch, NewImage, NewProduct, ProductPatch, ProductWithImages, Shop, Variant, VariantInput } from './entities.js';
import type { ShopDetails } from './shop-details.js';
import type { WebhookRepository } from './webhooks.js';

/**
 * What the domain needs from storage. Every method is scoped by shop id, so a record of another
 * store is indistinguishable from a missing one. Mutations that touch positions run in one
 * transaction that first locks the product row.
 */
export interface ImageRepository {
  list(shopId: string, productId: string): Promise<Image[] | null>;
  count(shopId: string, productId: string): Promise<number | null>;
  get(shopId: string, productId: string, imageId: string): Promise<Image | null>;
  /** What list() would answer, if it is held in memory now (no I/O); undefined otherwise. */
  cachedList(shopId: string, productId: string): Image[] | undefined;
  /** What get() would answer, if it is held in memory now (no I/O); undefined otherwise. */
  cachedImage(shopId: string, productId: string, imageId: string): Image | undefined;
  /** Null when the product is missing. */
  create(shopId: string, productId: string, image: NewImage, now: string): Promise<Image | null>;
  /** 'no-product' / 'no-image' when either is missing. */
  update(shopId: string, productId: string, imageId: string, patch: ImagePatch, now: string): Promise<Image | 'no-product' | 'no-image'>;
  /**
   * The deleted image's path, so its file can be released; its variants lose it in the same
   * transaction. Throws DomainError Validation when the product needs variant images and a variant shows it.
   */
  delete(shopId: string, productId: string, imageId: string, now: string): Promise<{ path: string } | 'no-product' | 'no-image'>;
  /** Whether any image of any store names this file. */
  isPathUsed(path: string): Promise<boolean>;
  /**
   * The audit's fixes (`prodimg audit --fix`). `setMeasuredSize` stores the size measured from the
   * file, only while the image still names that file (`path`): false when it does not, or is gone.
   * `renumber` makes positions 1..n in their current order (position, then created_at, then id) and
   * answers how many images moved, or 'no-product'.
   */
  setMeasuredSize(shopId: string, productId: string, imageId: string, path: string, size: { width: number; height: number }, now: string): Promise<boolean>;
  renumber(shopId: string, productId: string, now: string): Promise<number | 'no-product'>;
}

export interface ProductPage {
  products: ProductWithImages[];
  /** Opaque cursors: next page, previous page; '' when there is none. */
  cursor: string;
  preCursor: string;
}

/** Which products a list or count is about; every condition given must hold. Times are UTC, `2024-04-08T07:13:28Z`. */
export interface ProductFilter {
  ids?: readonly string[];
  /** Part of the title, any case. */
  title?: string;
  createdAtMin?: string;
  createdAtMax?: string;
  updatedAtMin?: string;
  updatedAtMax?: string;
  /** Products whose SPU is one of these, exactly. */
  spus?: readonly string[];
  published?: boolean;
}

export interface ProductQuery {
  perPage: number;
  cursor?: string;
  preCursor?: string;
  filter: ProductFilter;
}

export interface ProductRepository {
  create(shopId: string, product: NewProduct, now: string): Promise<ProductWithImages>;
  get(shopId: string, productId: string): Promise<ProductWithImages | null>;
  list(shopId: string, query: ProductQuery): Promise<ProductPage>;
  count(shopId: string, filter: ProductFilter): Promise<number>;
  /** Null when the product is missing; throws DomainError Validation for an unknown image id. */
  update(shopId: string, productId: string, patch: ProductPatch, now: string): Promise<ProductWithImages | null>;
  /** The paths of the deleted images, or null when the product is missing. */
  delete(shopId: string, productId: string, now: string): Promise<string[] | null>;
}

/** A product's variants. Changes lock the product row, as image changes do; refusals throw DomainError Validation. */
export interface VariantRepository {
  /** Null when the product is missing. */
  list(shopId: string, productId: string): Promise<Variant[] | null>;
  count(shopId: string, productId: string): Promise<number | null>;
  get(shopId: string, variantId: string): Promise<Variant | null>;
  create(shopId: string, productId: string, input: VariantInput, now: string): Promise<Variant | null>;
  update(shopId: string, variantId: string, input: VariantInput, now: string): Promise<Variant | null>;
  delete(shopId: string, productId: string, variantId: string, now: string): Promise<'deleted' | 'no-product' | 'no-variant'>;
}

export interface ShopRepository {
  create(shop: { subdomain: string; name: string } & ShopDetails, now: string): Promise<Shop>;
  find(subdomain: string): Promise<Shop | null>;
  findById(id: string): Promise<Shop | null>;
  list(): Promise<Shop[]>;
  /** The active store created first (ties by subdomain), or null when none is active. */
  firstActive(): Promise<Shop | null>;
  setActive(subdomain: string, active: boolean, now: string): Promise<Shop | null>;
  /** Removes the store with its products, images and tokens in one transaction; the paths its images used, or null when missing. */
  delete(subdomain: string): Promise<string[] | null>;
}

/** What may be shown of a token: never the token, nor its hash. */
export interface TokenSummary {
  id: string;
  scopes: string[];
  created_at: string;
  /** Its requests fill the rate-limit buckets. */
  rate_limited: boolean;
}

/** How a token differs from a plain CLI token: rate limited, or issued to an app (limited too) and expiring. */
export interface NewTokenOptions {
  rateLimited?: boolean;
  clientId?: string;
  /** Unix ms. */
  expiresAt?: number;
}

/** What the OAuth flow keeps between its steps: a code or a refresh token, by its hash. */
export interface OAuthGrantRow {
  clientId: string;
  shopId: string;
  scopes: string[];
  /** Unix ms. */
  expiresAt: number;
  /** Codes only: the redirect URI the authorize step was given. */
  redirectUri?: string;
}

export interface AppRepository {
  create(app: App, sealedSecret: string): Promise<void>;
  list(): Promise<App[]>;
  /** The app with its sealed client secret. */
  find(clientId: string): Promise<(App & { sealedSecret: string }) | null>;
  /** Removes the app with every token, code and refresh token issued to it; false when missing. */
  delete(clientId: string): Promise<boolean>;
  saveCode(codeHash: string, grant: OAuthGrantRow): Promise<void>;
  saveRefreshToken(tokenHash: string, grant: OAuthGrantRow): Promise<void>;
  /** Deletes and returns it in one step, so a code or refresh token works once however many ask at once. */
  takeCode(codeHash: string): Promise<OAuthGrantRow | null>;
  takeRefreshToken(tokenHash: string): Promise<OAuthGrantRow | null>;
  /** Revokes every access token, refresh token and code the app holds for the store; how many tokens went. */
  uninstall(clientId: string, shopId: string): Promise<number>;
}

export interface TokenRepository {
  create(shopId: string, tokenHash: string, scopes: readonly string[], now: string, publicId: string, options?: NewTokenOptions): Promise<void>;
  list(shopId: string): Promise<TokenSummary[]>;
  /** False when no token has this public id. */
  revoke(publicId: string): Promise<boolean>;
  /** The grant behind a token hash, with the stored hash so the caller can compare in constant time. */
  findByHash(tokenHash: string): Promise<(Grant & { tokenHash: string }) | null>;
}

export interface Repositories {
  images: ImageRepository;
  products: ProductRepository;
  variants: VariantRepository;
  shops: ShopRepository;
  tokens: TokenRepository;
  apps: AppRepository;
  webhooks: WebhookRepository;
}

export type Clock = () => string;
