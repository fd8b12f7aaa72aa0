import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectName } from '../dialect-name.js';

/**
 * Webhooks (issue 13): stores' subscriptions, each store's signing secret (sealed, secret-box.ts),
 * and the outbox. An event is written in the transaction of the change it announces, with the
 * product as it then was (`payload`, the domain object as JSON); one delivery per subscription is
 * written beside it, and the delivery worker sends those. Times the worker compares
 * (`next_attempt_at`, `lease_until`) are ISO 8601 with milliseconds, fixed length, so text order is
 * time order on both databases. (009 is another branch's.)
 */
export function webhooks(dialect: DialectName): Migration {
  const uuid = dialect === 'postgres' ? sql`uuid` : sql`text`;
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('shop_webhook_secrets')
        .addColumn('shop_id', uuid, (c) => c.primaryKey())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .execute();
      // app_id: the OAuth app the subscribing token was issued to; null for CLI tokens (the store's secret signs).
      await db.schema
        .createTable('webhook_subscriptions')
        .addColumn('id', uuid, (c) => c.primaryKey())
        .addColumn('shop_id', uuid, (c) => c.notNull())
        .addColumn('app_id', 'text')
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('api_version', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_subscriptions_shop_topic').on('webhook_subscriptions').columns(['shop_id', 'topic']).execute();
      await db.schema
        .createTable('webhook_events')
        .addColumn('id', uuid, (c) => c.primaryKey())
        .addColumn('shop_id', uuid, (c) => c.notNull())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      // A delivery's id is its X-Shoplazza-Deduplication-ID; address, version and app are the
      // subscription's when the event happened.
      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', uuid, (c) => c.primaryKey())
        .addColumn('shop_id', uuid, (c) => c.notNull())
        .addColumn('event_id', uuid, (c) => c.notNull().references('webhook_events.id').onDelete('cascade'))
        .addColumn('subscription_id', uuid, (c) => c.notNull())
        .addColumn('app_id', 'text')
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('api_version', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        // attempts when this round began: 0, or the count when `prodimg webhooks redeliver` started another.
        .addColumn('round_base', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('lease_until', 'text')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
      await db.schema
        .createTable('webhook_attempts')
        .addColumn('delivery_id', uuid, (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('error', 'text')
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_attempts_delivery').on('webhook_attempts').columns(['delivery_id', 'attempt']).execute();
    },
  };
}
