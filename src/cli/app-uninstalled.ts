import { shopJson } from '../contract/operations/shop.js';
import type { Shop } from '../domain/entities.js';
import type { Database } from '../storage/database.js';
import { recordEvent } from '../storage/webhook-outbox.js';
import { KyselyWebhookRepository } from '../storage/webhook-repository.js';

/**
 * After an uninstall: an `app/uninstalled` event, `{"shop":{...}}`, to that app's own subscriptions
 * for the store (signed with its client secret, sent by the running servers), then those
 * subscriptions go with the app. The deliveries keep their address, so they are still sent.
 */
export function announceUninstall(database: Pick<Database, 'db' | 'dialect'>, baseDomain: string, now: () => string) {
  return async (shop: Shop, clientId: string): Promise<void> => {
    await recordEvent(database, shop.id, 'app/uninstalled', { shop: shopJson(shop, baseDomain) }, now(), clientId);
    await new KyselyWebhookRepository(database.db).deleteOfApp(shop.id, clientId);
  };
}
