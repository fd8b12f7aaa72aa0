import type { Generated } from 'kysely';
import type { Image, Product, VariantRow } from '../domain/entities.js';
import type { ProductFlag } from './product-flags.js';

/** Table shapes as Kysely sees them. Booleans are 0/1 integers so both dialects store them alike. */
export interface ShopsTable {
  id: string;
  subdomain: string;
  name: string;
  active: number;
  /** Defaults (SHOP_DEFAULTS) fill rows written before migration 006. */
  email: Generated<string>;
  currency: Generated<string>;
  timezone: Generated<string>;
  created_at: string;
  updated_at: string;
}

export interface AccessTokensTable {
  token_hash: string;
  shop_id: string;
  scopes: string;
  created_at: string;
  /** Shown by `tokens list` and used by `tokens revoke` (003-token-public-id). */
  public_id: string;
  /** 1: its requests fill the rate-limit buckets (007-rate-limited-tokens). */
  rate_limited: Generated<number>;
  /** The app it was issued to by the OAuth flow, and when it expires (unix ms); null for CLI tokens (009-apps). */
  client_id: string | null;
  expires_at: string | number | null;
}

export interface AppsTable {
  client_id: string;
  name: string;
  redirect_uri: string;
  app_url: string;
  /** Comma-separated. */
  scopes: string;
  /** Sealed with the servers' secret key (secret-box.ts). */
  client_secret: string;
  created_at: string;
}

/** An authorization code or a refresh token: single use, stored hashed. `expires_at` in unix ms (bigint: pg answers a string). */
export interface OAuthGrantsTable {
  token_hash: string;
  client_id: string;
  shop_id: string;
  scopes: string;
  expires_at: string | number;
}

/** A product row: its API fields (its flags as 0/1, product-flags.ts) and its store. */
export type ProductsTable = Omit<Product, ProductFlag> & Record<ProductFlag, number> & { shop_id: string; need_variant_image?: number };

/** An option row: `value_list` is the option's values as a JSON array of strings. */
export interface ProductOptionsTable {
  id: string;
  shop_id: string;
  product_id: string;
  position: number;
  name: string;
  value_list: string;
}

/** A variant row: its fields as answered (image_id '' for none), and its store. */
export type VariantsTable = VariantRow & { shop_id: string };

/** An image row: exactly its API fields, and its store. */
export type ImagesTable = Image & { shop_id: string };

export interface BlobsTable {
  name: string;
  hash: string;
  size: number;
  bytes: Buffer;
  created_at: string;
}

/** A store's webhook subscription (010-webhooks); app_id null: made with a CLI token. */
export interface WebhookSubscriptionsTable {
  id: string;
  shop_id: string;
  app_id: string | null;
  topic: string;
  address: string;
  format: string;
  api_version: string;
  created_at: string;
  updated_at: string;
}

export interface WebhookEventsTable {
  id: string;
  shop_id: string;
  topic: string;
  /** What the payload is rendered from: the product (domain object) as JSON. */
  payload: string;
  created_at: string;
}

export interface WebhookDeliveriesTable {
  id: string;
  shop_id: string;
  event_id: string;
  subscription_id: string;
  app_id: string | null;
  topic: string;
  address: string;
  api_version: string;
  /** pending, delivered or failed. */
  status: string;
  attempts: number;
  round_base: number;
  next_attempt_at: string;
  lease_until: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookAttemptsTable {
  delivery_id: string;
  attempt: number;
  at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export interface Schema {
  shops: ShopsTable;
  access_tokens: AccessTokensTable;
  secret_key_check: { id: number; sealed: string };
  apps: AppsTable;
  oauth_codes: OAuthGrantsTable & { redirect_uri: string };
  refresh_tokens: OAuthGrantsTable;
  products: ProductsTable;
  images: ImagesTable;
  product_options: ProductOptionsTable;
  variants: VariantsTable;
  blobs: BlobsTable;
  shop_webhook_secrets: { shop_id: string; sealed: string };
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  admin_keys: { public_id: string; key_hash: string; name: string; created_at: string; shop_id: string | null };
  admin_sessions: { session_hash: string; key_id: string; csrf_token: string; expires_at: number | string };
  import_runs: { id: string; shop_id: string; input_key: string; total: number; started_at: string; finished_at: string | null };
  import_items: { run_id: string; seq: number; handle: string; outcome: string; problems: string };
  source_files: { source_url: string; path: string; recorded_at: string };
  mirror_sources: { shop_id: string; source_url: string; updated_at_min: string | null; finished_at: string };
}
