import type { Kysely, Selectable } from 'kysely';
import type { NotifyChange } from './database-dialect.js';
import type { Shop } from '../domain/entities.js';
import type { ShopDetails } from '../domain/shop-details.js';
import type { ShopRepository } from '../domain/ports.js';
import type { Schema, ShopsTable } from './schema.js';
import type { RecordIds } from './record-ids.js';

export class KyselyShopRepository implements ShopRepository {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly notify: NotifyChange,
    private readonly ids: RecordIds,
  ) {}

  async create(shop: { subdomain: string; name: string } & ShopDetails, now: string): Promise<Shop> {
    const { subdomain, name, email, currency, timezone } = shop;
    const row: Selectable<ShopsTable> = { id: this.ids.next('shop'), subdomain, name, active: 1, email, currency, timezone, created_at: now, updated_at: now };
    await this.db.insertInto('shops').values(row).execute();
    return toShop(row);
  }

  async find(subdomain: string): Promise<Shop | null> {
    const row = await this.db.selectFrom('shops').selectAll().where('subdomain', '=', subdomain).executeTakeFirst();
    return row ? toShop(row) : null;
  }

  async findById(id: string): Promise<Shop | null> {
    const row = await this.db.selectFrom('shops').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toShop(row) : null;
  }

  async list(): Promise<Shop[]> {
    const rows = await this.db.selectFrom('shops').selectAll().orderBy('subdomain').execute();
    return rows.map(toShop);
  }

  async firstActive(): Promise<Shop | null> {
    const row = await this.db.selectFrom('shops').selectAll().where('active', '=', 1).orderBy('created_at').orderBy('subdomain').limit(1).executeTakeFirst();
    return row ? toShop(row) : null;
  }

  delete(subdomain: string): Promise<string[] | null> {
    return this.db.transaction().execute(async (trx) => {
      // A write first (see lockProduct): on a shared SQLite file the transaction takes the write lock
      // now. The store row goes last: its cascades would take the images before their paths are read.
      const shop = await trx
        .updateTable('shops')
        .set((eb) => ({ updated_at: eb.ref('updated_at') }))
        .where('subdomain', '=', subdomain)
        .returning('id')
        .executeTakeFirst();
      if (!shop) return null;
      const products = await trx.selectFrom('products').select('id').where('shop_id', '=', shop.id).execute();
      // Servers caching these products' reads drop them (PostgreSQL: NOTIFY, sent on commit).
      for (const product of products) await this.notify(trx, product.id);
      const removed = await trx
        .deleteFrom('images')
        .where('product_id', 'in', trx.selectFrom('products').select('id').where('shop_id', '=', shop.id))
        .returning('path')
        .execute();
      await trx.deleteFrom('products').where('shop_id', '=', shop.id).execute();
      await trx.deleteFrom('access_tokens').where('shop_id', '=', shop.id).execute();
      // Its webhooks go too (the events' deliveries and attempts by cascade).
      await trx.deleteFrom('webhook_events').where('shop_id', '=', shop.id).execute();
      await trx.deleteFrom('webhook_subscriptions').where('shop_id', '=', shop.id).execute();
      await trx.deleteFrom('shop_webhook_secrets').where('shop_id', '=', shop.id).execute();
      // Admin keys limited to it (no foreign key: see migration 014), with their sessions.
      const keys = trx.selectFrom('admin_keys').select('public_id').where('shop_id', '=', shop.id);
      await trx.deleteFrom('admin_sessions').where('key_id', 'in', keys).execute();
      await trx.deleteFrom('admin_keys').where('shop_id', '=', shop.id).execute();
      await trx.deleteFrom('shops').where('id', '=', shop.id).execute();
      return removed.flatMap((row) => (row.path ? [row.path] : []));
    });
  }

  async setActive(subdomain: string, active: boolean, now: string): Promise<Shop | null> {
    await this.db.updateTable('shops').set({ active: active ? 1 : 0, updated_at: now }).where('subdomain', '=', subdomain).execute();
    return this.find(subdomain);
  }
}

function toShop(row: Selectable<ShopsTable>): Shop {
  const { id, subdomain, name, email, currency, timezone, created_at, updated_at } = row;
  return { id, subdomain, name, active: row.active === 1, email, currency, timezone, created_at, updated_at };
}
