import type { Kysely } from 'kysely';
import type { AdminKeyRepository, AdminKeySummary, AdminSession } from '../domain/admin-auth.js';
import type { Schema } from './schema.js';

export class KyselyAdminKeyRepository implements AdminKeyRepository {
  constructor(private readonly db: Kysely<Schema>) {}

  async create(key: AdminKeySummary, keyHash: string): Promise<void> {
    await this.db.insertInto('admin_keys').values({ public_id: key.id, key_hash: keyHash, name: key.name, created_at: key.created_at }).execute();
  }

  async list(): Promise<AdminKeySummary[]> {
    const rows = await this.db.selectFrom('admin_keys').select(['public_id', 'name', 'created_at']).orderBy('created_at').orderBy('public_id').execute();
    return rows.map(summary);
  }

  async findByHash(keyHash: string): Promise<AdminKeySummary | null> {
    const row = await this.db.selectFrom('admin_keys').select(['public_id', 'name', 'created_at']).where('key_hash', '=', keyHash).executeTakeFirst();
    return row ? summary(row) : null;
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
      .select(['admin_sessions.key_id', 'admin_sessions.csrf_token', 'admin_sessions.expires_at'])
      .where('admin_sessions.session_hash', '=', sessionHash)
      .executeTakeFirst();
    return row ? { keyId: row.key_id, csrfToken: row.csrf_token, expiresAt: Number(row.expires_at) } : null;
  }

  async closeSession(sessionHash: string): Promise<void> {
    await this.db.deleteFrom('admin_sessions').where('session_hash', '=', sessionHash).execute();
  }

  async sweepSessions(now: number): Promise<void> {
    await this.db.deleteFrom('admin_sessions').where('expires_at', '<', now).execute();
  }
}

function summary(row: { public_id: string; name: string; created_at: string }): AdminKeySummary {
  return { id: row.public_id, name: row.name, created_at: row.created_at };
}
