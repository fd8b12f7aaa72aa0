import type { Repositories } from '../domain/ports.js';
import { KyselyImageRepository } from './image-repository.js';
import { KyselyProductRepository } from './product-repository.js';
import type { Database } from './database.js';
import { changeNotifier } from './change-feed.js';
import { createHotReads } from './hot-reads.js';
import { ReadCache } from './read-cache.js';
import { KyselyShopRepository } from './shop-repository.js';
import { KyselyTokenRepository } from './token-repository.js';

/** `cache` stays off until a change feed (startChangeFeed) is live for it. */
export function createRepositories(database: Database, cache: ReadCache = new ReadCache()): Repositories {
  const { db } = database;
  const hot = createHotReads(database.raw);
  const changes = { cache, notify: changeNotifier(database) };
  return {
    images: new KyselyImageRepository(db, hot, changes),
    products: new KyselyProductRepository(db, changes),
    shops: new KyselyShopRepository(db),
    tokens: new KyselyTokenRepository(db, hot),
  };
}
