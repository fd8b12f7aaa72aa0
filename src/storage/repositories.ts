import type { Repositories } from '../domain/ports.js';
import { KyselyImageRepository } from './image-repository.js';
import { KyselyProductRepository } from './product-repository.js';
import type { Database } from './database.js';
import { ReadCache } from './read-cache.js';
import { KyselyAppRepository } from './app-repository.js';
import { KyselyShopRepository } from './shop-repository.js';
import { KyselyTokenRepository } from './token-repository.js';
import { KyselyVariantRepository } from './variant-repository.js';
import { productEvents } from './webhook-outbox.js';
import { KyselyWebhookRepository } from './webhook-repository.js';
import { randomIds, type RecordIds } from './record-ids.js';

/** `cache` stays off until a change feed (startChangeFeed) is live for it; `ids` makes new records' ids. */
export function createRepositories(database: Database, cache: ReadCache = new ReadCache(), ids: RecordIds = randomIds): Repositories {
  const { db } = database;
  const hot = database.createHotReads();
  const changes = { cache, notify: database.notifyChange, events: productEvents(database.dialect) };
  return {
    images: new KyselyImageRepository(db, hot, changes, ids),
    products: new KyselyProductRepository(db, changes, ids),
    variants: new KyselyVariantRepository(db, changes, ids),
    shops: new KyselyShopRepository(db, database.notifyChange, ids),
    tokens: new KyselyTokenRepository(db, hot),
    apps: new KyselyAppRepository(db),
    webhooks: new KyselyWebhookRepository(db, ids),
  };
}
