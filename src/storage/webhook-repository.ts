import type { Kysely, Selectable } from 'kysely';
import type { NewWebhook, WebhookPage, WebhookPatch, WebhookRepository, WebhookSubscription, WebhookTopic } from '../domain/webhooks.js';
import type { Schema, WebhookSubscriptionsTable } from './schema.js';
import { randomIds, type RecordIds } from './record-ids.js';

const ANSWERED = ['id', 'topic', 'address', 'format', 'created_at', 'updated_at'] as const;

export class KyselyWebhookRepository implements WebhookRepository {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly ids: RecordIds = randomIds,
  ) {}

  async create(shopId: string, webhook: NewWebhook, now: string, max: number): Promise<WebhookSubscription | null> {
    const row = {
      id: this.ids.next('webhook'),
      shop_id: shopId,
      app_id: webhook.appId,
      topic: webhook.topic,
      address: webhook.address,
      format: 'json',
      api_version: webhook.apiVersion,
      created_at: now,
      updated_at: now,
    };
    return this.db.transaction().execute(async (trx) => {
      // The store's row lock (PostgreSQL) or the write lock (SQLite), taken by an UPDATE that changes nothing, before counting: two creates cannot both see room for the last one.
      await trx.updateTable('shops').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('id', '=', shopId).execute();
      if ((await this.count(shopId, trx)) >= max) return null;
      await trx.insertInto('webhook_subscriptions').values(row).execute();
      return toWebhook(row);
    });
  }

  async list(shopId: string, page: WebhookPage): Promise<WebhookSubscription[]> {
    const rows = await this.db
      .selectFrom('webhook_subscriptions')
      .select(ANSWERED)
      .where('shop_id', '=', shopId)
      .orderBy('created_at')
      .orderBy('id')
      .limit(page.limit)
      .offset((page.page - 1) * page.limit)
      .execute();
    return rows.map(toWebhook);
  }

  async count(shopId: string, db: Kysely<Schema> = this.db): Promise<number> {
    const row = await db.selectFrom('webhook_subscriptions').select((eb) => eb.fn.countAll().as('n')).where('shop_id', '=', shopId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async get(shopId: string, id: string): Promise<WebhookSubscription | null> {
    const row = await this.db.selectFrom('webhook_subscriptions').select(ANSWERED).where('id', '=', id).where('shop_id', '=', shopId).executeTakeFirst();
    return row ? toWebhook(row) : null;
  }

  async update(shopId: string, id: string, patch: WebhookPatch, now: string): Promise<WebhookSubscription | null> {
    await this.db
      .updateTable('webhook_subscriptions')
      .set({ ...patch, updated_at: now })
      .where('id', '=', id)
      .where('shop_id', '=', shopId)
      .execute();
    return this.get(shopId, id);
  }

  delete(shopId: string, id: string, now: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const removed = await trx.deleteFrom('webhook_subscriptions').where('id', '=', id).where('shop_id', '=', shopId).executeTakeFirst();
      if (Number(removed.numDeletedRows) === 0) return false;
      // Nobody asked for these any more; a delivery being sent right now may still arrive.
      await trx
        .updateTable('webhook_deliveries')
        .set({ status: 'failed', last_error: 'subscription deleted', updated_at: now })
        .where('subscription_id', '=', id)
        .where('status', '=', 'pending')
        .execute();
      return true;
    });
  }

  async deleteOfApp(shopId: string, appId: string): Promise<void> {
    await this.db.deleteFrom('webhook_subscriptions').where('shop_id', '=', shopId).where('app_id', '=', appId).execute();
  }
}

function toWebhook(row: Pick<Selectable<WebhookSubscriptionsTable>, (typeof ANSWERED)[number]>): WebhookSubscription {
  return { id: row.id, topic: row.topic as WebhookTopic, address: row.address, format: 'json', created_at: row.created_at, updated_at: row.updated_at };
}
