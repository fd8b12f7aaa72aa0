import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { SecretSealer } from '../domain/app-service.js';
import type { Schema } from './schema.js';

/** The secret of the OAuth app with this id (its client secret), or null when there is no such app. */
export type AppSecretLookup = (appId: string) => Promise<string | null>;

/**
 * The one place that decides which secret signs a delivery: the app's client secret for a
 * subscription made with an app's token (`appSecret`, plugged in by the OAuth apps), else the
 * store's own webhook secret (`prodimg shops webhook-secret S`), made on first use and sealed at
 * rest. Stores' secrets are kept in memory once opened: they never change.
 */
export class SigningSecrets {
  private readonly stores = new Map<string, string>();

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly box: SecretSealer,
    private readonly appSecret?: AppSecretLookup,
  ) {}

  async secretFor(subscription: { shopId: string; appId: string | null }): Promise<string> {
    if (subscription.appId !== null) {
      const secret = this.appSecret ? await this.appSecret(subscription.appId) : null;
      if (secret === null) throw new Error(`no secret for app ${subscription.appId}`);
      return secret;
    }
    return this.storeSecret(subscription.shopId);
  }

  /** The store's webhook secret; two processes making it at once keep the first one's. */
  async storeSecret(shopId: string): Promise<string> {
    const known = this.stores.get(shopId);
    if (known !== undefined) return known;
    await this.db
      .insertInto('shop_webhook_secrets')
      .values({ shop_id: shopId, sealed: this.box.seal(randomBytes(32).toString('hex')) })
      .onConflict((oc) => oc.column('shop_id').doNothing())
      .execute();
    const row = await this.db.selectFrom('shop_webhook_secrets').select('sealed').where('shop_id', '=', shopId).executeTakeFirstOrThrow();
    const secret = this.box.open(row.sealed);
    this.stores.set(shopId, secret);
    return secret;
  }
}
