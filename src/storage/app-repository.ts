import type { Kysely, Selectable } from 'kysely';
import type { App } from '../domain/entities.js';
import type { AppRepository, OAuthGrantRow } from '../domain/ports.js';
import type { AppsTable, OAuthGrantsTable, Schema } from './schema.js';
import { storedScopes } from './stored-scopes.js';

export class KyselyAppRepository implements AppRepository {
  constructor(private readonly db: Kysely<Schema>) {}

  async create(app: App, sealedSecret: string): Promise<void> {
    await this.db
      .insertInto('apps')
      .values({ ...app, scopes: app.scopes.join(','), client_secret: sealedSecret })
      .execute();
  }

  async list(): Promise<App[]> {
    const rows = await this.db.selectFrom('apps').selectAll().orderBy('created_at').orderBy('client_id').execute();
    return rows.map(toApp);
  }

  async find(clientId: string): Promise<(App & { sealedSecret: string }) | null> {
    const row = await this.db.selectFrom('apps').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    return row ? { ...toApp(row), sealedSecret: row.client_secret } : null;
  }

  delete(clientId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // Codes and refresh tokens go with the app (foreign keys); access tokens name it without one.
      await trx.deleteFrom('access_tokens').where('client_id', '=', clientId).execute();
      const result = await trx.deleteFrom('apps').where('client_id', '=', clientId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async saveCode(codeHash: string, grant: OAuthGrantRow): Promise<void> {
    await this.db.insertInto('oauth_codes').values({ token_hash: codeHash, ...row(grant), redirect_uri: grant.redirectUri ?? '' }).execute();
  }

  async saveRefreshToken(tokenHash: string, grant: OAuthGrantRow): Promise<void> {
    await this.db.insertInto('refresh_tokens').values({ token_hash: tokenHash, ...row(grant) }).execute();
  }

  async takeCode(codeHash: string): Promise<OAuthGrantRow | null> {
    const taken = await this.db.deleteFrom('oauth_codes').where('token_hash', '=', codeHash).returningAll().executeTakeFirst();
    return taken ? { ...toGrant(taken), redirectUri: taken.redirect_uri } : null;
  }

  async takeRefreshToken(tokenHash: string): Promise<OAuthGrantRow | null> {
    const taken = await this.db.deleteFrom('refresh_tokens').where('token_hash', '=', tokenHash).returningAll().executeTakeFirst();
    return taken ? toGrant(taken) : null;
  }

  uninstall(clientId: string, shopId: string): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const tokens = await trx.deleteFrom('access_tokens').where('client_id', '=', clientId).where('shop_id', '=', shopId).executeTakeFirst();
      await trx.deleteFrom('refresh_tokens').where('client_id', '=', clientId).where('shop_id', '=', shopId).execute();
      await trx.deleteFrom('oauth_codes').where('client_id', '=', clientId).where('shop_id', '=', shopId).execute();
      return Number(tokens.numDeletedRows);
    });
  }
}

function row(grant: OAuthGrantRow): Omit<OAuthGrantsTable, 'token_hash'> {
  return { client_id: grant.clientId, shop_id: grant.shopId, scopes: grant.scopes.join(','), expires_at: grant.expiresAt };
}

function toGrant(taken: Selectable<OAuthGrantsTable>): OAuthGrantRow {
  return { clientId: taken.client_id, shopId: taken.shop_id, scopes: storedScopes(taken.scopes), expiresAt: Number(taken.expires_at) };
}

function toApp(row: Selectable<AppsTable>): App {
  const { client_id, name, redirect_uri, app_url, created_at } = row;
  return { client_id, name, redirect_uri, app_url, scopes: storedScopes(row.scopes), created_at };
}
