import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ProductTopic, WebhookTopic } from '../domain/webhooks.js';
import { type DatabaseClock, databaseClock } from './database-clock.js';
import type { DialectName } from './dialect-name.js';
import { loadProduct } from './product-snapshot.js';
import type { Schema } from './schema.js';

/**
 * The outbox's writing side. Called inside the transaction of the change it announces (after the
 * change, or before a delete), so an event is stored exactly when its change commits: never lost,
 * never announced without happening. What is stored is the product as that transaction sees it
 * (the domain object, as JSON); the payload is rendered from it at delivery, in the subscription's
 * version, with the CDN base of the sending server (server/webhooks/webhook-payload.ts).
 */
export interface ProductEvents {
  record(trx: Kysely<Schema>, shopId: string, productId: string, topic: ProductTopic, now: string): Promise<void>;
}

/** The events of product changes, their deliveries due at once by the database's clock (database-clock.ts). */
export function productEvents(dialect: DialectName): ProductEvents {
  const clock = databaseClock(dialect);
  return {
    async record(trx, shopId, productId, topic, now) {
      // No subscriber, no snapshot: a store without webhooks pays one indexed read per change.
      const subscriptions = await subscribers(trx, shopId, topic);
      if (subscriptions.length === 0) return;
      const product = await loadProduct(trx, productId);
      if (product) await insertEvent(trx, clock, shopId, topic, { product }, subscriptions, now);
    },
  };
}

type Subscriber = { id: string; app_id: string | null; address: string; api_version: string };

function subscribers(db: Kysely<Schema>, shopId: string, topic: WebhookTopic): Promise<Subscriber[]> {
  return db
    .selectFrom('webhook_subscriptions')
    .select(['id', 'app_id', 'address', 'api_version'])
    .where('shop_id', '=', shopId)
    .where('topic', '=', topic)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/**
 * Stores an event of any topic for the store's subscribers to it now (`prodimg webhooks trigger`,
 * app/uninstalled): `content` is `{"product": ...}` or `{"shop": ...}`. The number of deliveries made.
 */
export async function recordEvent(
  { db, dialect }: { db: Kysely<Schema>; dialect: DialectName },
  shopId: string,
  topic: WebhookTopic,
  content: object,
  now: string,
  onlyApp?: string,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const all = await subscribers(trx, shopId, topic);
    // `app/uninstalled` goes to the app that was uninstalled, not to the store's other apps.
    const subscriptions = onlyApp === undefined ? all : all.filter((subscription) => subscription.app_id === onlyApp);
    if (subscriptions.length > 0) await insertEvent(trx, databaseClock(dialect), shopId, topic, content, subscriptions, now);
    return subscriptions.length;
  });
}

/** `now` is the app's clock (a test's may be fixed), shown as `created_at`; when the deliveries are due is the database's. */
async function insertEvent(trx: Kysely<Schema>, clock: DatabaseClock, shopId: string, topic: WebhookTopic, content: object, subscriptions: Subscriber[], now: string): Promise<void> {
  const eventId = randomUUID();
  await trx.insertInto('webhook_events').values({ id: eventId, shop_id: shopId, topic, payload: JSON.stringify(content), created_at: now }).execute();
  const due = clock();
  await trx
    .insertInto('webhook_deliveries')
    .values(
      subscriptions.map((subscription) => ({
        id: randomUUID(),
        shop_id: shopId,
        event_id: eventId,
        subscription_id: subscription.id,
        app_id: subscription.app_id,
        topic,
        address: subscription.address,
        api_version: subscription.api_version,
        status: 'pending',
        attempts: 0,
        round_base: 0,
        next_attempt_at: due,
        lease_until: null,
        last_error: null,
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
}
