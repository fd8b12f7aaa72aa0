import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Shop } from '../domain/entities.js';
import type { ShopRepository } from '../domain/ports.js';
import type { Schema, ShopsTable } from './schema.js';

export class KyselyShopRepository implements ShopRepository {
  constructor(private readonly db: Kysely<Schema>) {}

  async create(shop: { subdomain: string; name: string }, now: string): Promise<Shop> {
    const row: ShopsTable = { id: randomUUID(), subdomain: shop.subdomain, name: shop.name, active: 1, created_at: now, updated_at: now };
    await this.db.insertInto('shops').values(row).execute();
    return toShop(row);
  }

  async find(subdomain: string): Promise<Shop | null> {
    const row = await this.db.selectFrom('shops').selectAll().where('subdomain', '=', subdomain).executeTakeFirst();
    return row ? toShop(row) : null;
  }

  async list(): Promise<Shop[]> {
    const rows = await this.db.selectFrom('shops').selectAll().orderBy('subdomain').execute();
    return rows.map(toShop);
  }

  async setActive(subdomain: string, active: boolean, now: string): Promise<Shop | null> {
    await this.db.updateTable('shops').set({ active: active ? 1 : 0, updated_at: now }).where('subdomain', '=', subdomain).execute();
    return this.find(subdomain);
  }
}

function toShop(row: ShopsTable): Shop {
  return { id: row.id, subdomain: row.subdomain, name: row.name, active: row.active === 1, created_at: row.created_at, updated_at: row.updated_at };
}
