import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectName } from '../dialect-name.js';

/**
 * Apps and the OAuth install flow: the apps (client id, sealed client secret, redirect URI and the
 * scopes they may ask for), single-use authorization codes and refresh tokens (stored hashed, as
 * access tokens are), and on access tokens the app that was issued them and when they expire.
 * Times are unix milliseconds in a bigint.
 */
export function apps(dialect: DialectName): Migration {
  const uuid = dialect === 'postgres' ? sql`uuid` : sql`text`;
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('apps')
        .addColumn('client_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('app_url', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('client_secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      const grantTable = (name: string) =>
        db.schema
          .createTable(name)
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('client_id', 'text', (c) => c.notNull().references('apps.client_id').onDelete('cascade'))
          .addColumn('shop_id', uuid, (c) => c.notNull().references('shops.id').onDelete('cascade'))
          .addColumn('scopes', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull());
      await grantTable('oauth_codes').addColumn('redirect_uri', 'text', (c) => c.notNull()).execute();
      await grantTable('refresh_tokens').execute();
      await db.schema.alterTable('access_tokens').addColumn('client_id', 'text').execute();
      await db.schema.alterTable('access_tokens').addColumn('expires_at', 'bigint').execute();
      await db.schema.createIndex('access_tokens_app').on('access_tokens').columns(['client_id', 'shop_id']).execute();
    },
  };
}
