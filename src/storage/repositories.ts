import type { Kysely } from 'kysely';
import type { Repositories } from '../domain/ports.js';
import { KyselyImageRepository } from './image-repository.js';
import { KyselyProductRepository } from './product-repository.js';
import type { Schema } from './schema.js';
import { KyselyShopRepository } from './shop-repository.js';
import { KyselyTokenRepository } from './token-repository.js';

export function createRepositories(db: Kysely<Schema>): Repositories {
  return {
    images: new KyselyImageRepository(db),
    products: new KyselyProductRepository(db),
    shops: new KyselyShopRepository(db),
    tokens: new KyselyTokenRepository(db),
  };
}
