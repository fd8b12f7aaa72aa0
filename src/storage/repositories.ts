import type { Repositories } from '../domain/ports.js';
import { KyselyImageRepository } from './image-repository.js';
import { KyselyProductRepository } from './product-repository.js';
import type { Database } from './database.js';
import { createHotReads } from './hot-reads.js';
import { KyselyShopRepository } from './shop-repository.js';
import { KyselyTokenRepository } from './token-repository.js';

export function createRepositories(database: Database): Repositories {
  const { db } = database;
  const hot = createHotReads(database.raw);
  return {
    images: new KyselyImageRepository(db, hot),
    products: new KyselyProductRepository(db),
    shops: new KyselyShopRepository(db),
    tokens: new KyselyTokenRepository(db, hot),
  };
}
