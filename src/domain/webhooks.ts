import type { Scope } from './scopes.js';

/** The topics a store may subscribe to, in the order the refusal lists them. */
export const WEBHOOK_TOPICS = ['products/create', 'products/update', 'products/delete', 'app/uninstalled'] as const;
export type WebhookTopic = (typeof WEBHOOK_TOPICS)[number];

/** The read scope a subscription to each topic needs (write_product holds read_product); null: any token. */
export const TOPIC_SCOPES: Readonly<Record<WebhookTopic, Scope | null>> = {
  'products/create': 'read_product',
  'products/update': 'read_product',
  'products/delete': 'read_product',
  'app/uninstalled': null,
};

/**
 * Subscriptions one store may hold: each event fans out to every subscriber, so this bounds one
 * change's deliveries (and one store's share of the outbox). The platform documents no number.
 */
export const WEBHOOK_SUBSCRIPTIONS_MAX = 100;

/** The refusal beyond it, in the words of the platform's other bounds ("Limit must be less than or equal to 250"). */
export const TOO_MANY_WEBHOOKS = `Webhooks must be less than or equal to ${WEBHOOK_SUBSCRIPTIONS_MAX} per store`;

export type ProductTopic = Extract<WebhookTopic, `products/${string}`>;

export interface WebhookSubscription {
  id: string;
  topic: WebhookTopic;
  address: string;
  format: 'json';
  created_at: string;
  updated_at: string;
}

/** What a subscription is made from; `apiVersion` is the version its deliveries are rendered in and name. */
export interface NewWebhook {
  topic: WebhookTopic;
  address: string;
  apiVersion: string;
  /** The OAuth app the token was issued to; null for a CLI token (the store's own secret signs). */
  appId: string | null;
}

export interface WebhookPatch {
  topic?: WebhookTopic;
  address?: string;
}

export interface WebhookPage {
  /** 1..250 */
  limit: number;
  /** From 1. */
  page: number;
}

export interface WebhookRepository {
  /** Null when the store already holds `max` subscriptions (counted under the store's lock, so concurrent creates cannot pass it). */
  create(shopId: string, webhook: NewWebhook, now: string, max: number): Promise<WebhookSubscription | null>;
  list(shopId: string, page: WebhookPage): Promise<WebhookSubscription[]>;
  count(shopId: string): Promise<number>;
  get(shopId: string, id: string): Promise<WebhookSubscription | null>;
  update(shopId: string, id: string, patch: WebhookPatch, now: string): Promise<WebhookSubscription | null>;
  /** False when missing; its deliveries not yet made are marked failed ("subscription deleted"). */
  delete(shopId: string, id: string, now: string): Promise<boolean>;
  /** An uninstalled app's subscriptions for the store go; deliveries already made for them (its `app/uninstalled`) are still sent. */
  deleteOfApp(shopId: string, appId: string): Promise<void>;
}
