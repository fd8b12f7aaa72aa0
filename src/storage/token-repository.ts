import type { Kysely } from 'kysely';
import { SCOPES, type Grant, type Scope } from '../domain/entities.js';
import type { TokenRepository } from '../domain/ports.js';
import type { Schema } from './schema.js';

export class KyselyTokenRepository implements TokenRepository {
  constructor(private readonly db: Kysely<Schema>) {}

  async create(shopId: string, tokenHash: string, scopes: readonly string[], now: string): Promise<void> {
    await this.db.insertInto('access_tokens').values({ token_hash: tokenHash, shop_id: shopId, scopes: scopes.join(','), created_at: now }).execute();
  }

  async findByHash(tokenHash: string): Promise<(Grant & { tokenHash: string }) | null> {
    const row = await this.db
      .selectFrom('access_tokens')
      .innerJoin('shops', 'shops.id', 'access_tokens.shop_id')
      .select(['access_tokens.token_hash', 'access_tokens.scopes', 'shops.id', 'shops.subdomain', 'shops.active'])
      .where('access_tokens.token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!row) return null;
    const scopes = row.scopes.split(',').filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
    return { tokenHash: row.token_hash, shopId: row.id, subdomain: row.subdomain, active: row.active === 1, scopes };
  }
}
