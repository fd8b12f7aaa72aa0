import type { Kysely } from 'kysely';
import { SCOPES, type Grant, type Scope } from '../domain/entities.js';
import type { TokenRepository } from '../domain/ports.js';
import type { HotReads } from './hot-reads.js';
import type { Schema } from './schema.js';

export class KyselyTokenRepository implements TokenRepository {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly hot: HotReads,
  ) {}

  async create(shopId: string, tokenHash: string, scopes: readonly string[], now: string): Promise<void> {
    await this.db.insertInto('access_tokens').values({ token_hash: tokenHash, shop_id: shopId, scopes: scopes.join(','), created_at: now }).execute();
  }

  async findByHash(tokenHash: string): Promise<(Grant & { tokenHash: string }) | null> {
    const row = await this.hot.grant(tokenHash);
    if (!row) return null;
    const scopes = row.scopes.split(',').filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
    return { tokenHash: row.token_hash, shopId: row.shop_id, subdomain: row.subdomain, active: row.active === 1, scopes };
  }
}
