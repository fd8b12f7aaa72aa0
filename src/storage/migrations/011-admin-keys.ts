import type { Kysely, Migration } from 'kysely';

/**
 * The admin page (issue 15): admin keys made by `prodimg admin-key create`, and the browser sessions
 * signed in with them. Keys and session ids are stored as SHA-256 hashes only, like access tokens;
 * a session's CSRF token is stored as it is (it is no credential without the cookie). Times are unix
 * milliseconds in a bigint, as in 009.
 */
export function adminKeys(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('admin_keys')
        .addColumn('public_id', 'text', (c) => c.primaryKey())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      // Revoking a key deletes it, and with it every session it opened.
      await db.schema
        .createTable('admin_sessions')
        .addColumn('session_hash', 'text', (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull().references('admin_keys.public_id').onDelete('cascade'))
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('admin_sessions_key').on('admin_sessions').column('key_id').execute();
    },
  };
}
