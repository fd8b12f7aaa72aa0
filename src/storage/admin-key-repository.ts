import type { Kysely } from 'kysely';
import type { AdminKeyFound, AdminKeyRepository, AdminKeySummary, AdminSession } from '../domain/admin-auth.js';
import type { Schema } from './schema.js';

export class KyselyAdminKeyRepository implements AdminKeyRepository {
  constructor(private readonly db: Kysely<Schema>) {}

  async create(key: Omit<AdminKeySummary, 'shop'>, keyHash: string, shopId: string | null): Promise<void> {
    await this.db.insertInto('admin_keys').values({ public_id: key.id, key_hash: keyHash, name: key.name, created_at: key.created_at, shop_id: shopId }).execute();
  }

  async list(): Promise<AdminKeySummary[]> {
    const rows = await this.db
      .selectFrom('admin_keys')
      .leftJoin('shops', 'shops.id', 'admin_keys.shop_id')
      .select(['admin_keys.public_id', 'admin_keys.name', 'admin_keys.created_at', 'admin_keys.shop_id', 'shops.subdomain'])
      .orderBy('admin_keys.created_at')
      .orderBy('admin_keys.public_id')
      .execute();
    // A limited key whose store is gone (a stand-in's reset brings it back) still shows it is limited.
    return rows.map((row) => ({ id: row.public_id, name: row.name, created_at: row.created_at, shop: row.shop_id === null ? null : (row.subdomain ?? `(removed store ${row.shop_id})`) }));
  }

  async findByHash(keyHash: string): Promise<AdminKeyFound | null> {
    const row = await this.db.selectFrom('admin_keys').select(['public_id', 'shop_id']).where('key_hash', '=', keyHash).executeTakeFirst();
    return row ? { id: row.public_id, shopId: row.shop_id } : null;
  }

  async revoke(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // Explicitly, not only by the foreign key: SQLite enforces those only when told to.
      await trx.deleteFrom('admin_sessions').where('key_id', '=', id).execute();
      const result = await trx.deleteFrom('admin_keys').where('public_id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async openSession(sessionHash: string, session: AdminSession): Promise<void> {
    // The store a session may manage is its key's, read through the join below: not copied here.
    await this.db
      .insertInto('admin_sessions')
      .values({ session_hash: sessionHash, key_id: session.keyId, csrf_token: session.csrfToken, expires_at: session.expiresAt })
      .execute();
  }

  async findSession(sessionHash: string): Promise<AdminSession | null> {
    // Joined to its key: a revoked key's sessions end with it even if a row were left.
    const row = await this.db
      .selectFrom('admin_sessions')
      .innerJoin('admin_keys', 'admin_keys.public_id', 'admin_sessions.key_id')
      .select(['admin_sessions.key_id', 'admin_sessions.csrf_token', 'admin_sessions.expires_at', 'admin_keys.shop_id'])
      .where('admin_sessions.session_hash', '=', sessionHash)
      .executeTakeFirst();
    return row ? { keyId: row.key_id, csrfToken: row.csrf_token, expiresAt: Number(row.expires_at), shopId: row.shop_id } : null;
  }

  async closeSession(sessionHash: string): Promise<void> {
    await this.db.deleteFrom('admin_sessions').where('session_hash', '=', sessionHash).execute();
  }

  async sweepSessions(now: number): Promise<void> {
    await this.db.deleteFrom('admin_sessions').where('expires_at', '<', now).execute();
  }
}
