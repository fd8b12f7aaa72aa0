import type { Kysely } from 'kysely';
import type { Grant } from '../domain/entities.js';
import type { NewTokenOptions, TokenRepository, TokenSummary } from '../domain/ports.js';
import type { HotReads } from './hot-reads.js';
import { storedScopes } from './stored-scopes.js';
import type { Schema } from './schema.js';

export class KyselyTokenRepository implements TokenRepository {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly hot: HotReads,
  ) {}

  async create(shopId: string, tokenHash: string, scopes: readonly string[], now: string, publicId: string, options: NewTokenOptions = {}): Promise<void> {
    await this.db
      .insertInto('access_tokens')
      .values({
        token_hash: tokenHash,
        shop_id: shopId,
        scopes: scopes.join(','),
        created_at: now,
        public_id: publicId,
        rate_limited: options.rateLimited ? 1 : 0,
        client_id: options.clientId ?? null,
        expires_at: options.expiresAt ?? null,
      })
      .execute();
  }

  async list(shopId: string): Promise<TokenSummary[]> {
    const rows = await this.db
      .selectFrom('access_tokens')
      .select(['public_id', 'scopes', 'created_at', 'rate_limited'])
      .where('shop_id', '=', shopId)
      .orderBy('created_at')
      .orderBy('public_id')
      .execute();
    return rows.map((row) => ({ id: row.public_id, scopes: storedScopes(row.scopes), created_at: row.created_at, rate_limited: row.rate_limited === 1 }));
  }

  async revoke(publicId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('access_tokens').where('public_id', '=', publicId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async findByHash(tokenHash: string): Promise<(Grant & { tokenHash: string }) | null> {
    const row = await this.hot.grant(tokenHash);
    if (!row) return null;
    const grant: Grant & { tokenHash: string } = { tokenHash: row.token_hash, shopId: row.shop_id, subdomain: row.subdomain, active: row.active === 1, scopes: storedScopes(row.scopes) };
    if (row.expires_at !== null) grant.expiresAt = Number(row.expires_at);
    // An app's token fills its app's bucket; a CLI token made with --rate-limited is an app of its own.
    if (row.client_id !== null) return { ...grant, clientId: row.client_id, rateLimitKey: `app:${row.client_id}` };
    return Number(row.rate_limited) === 1 ? { ...grant, rateLimitKey: `token:${row.public_id}` } : grant;
  }
}
