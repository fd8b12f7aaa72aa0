import { systemClock } from '../../src/domain/clock.js';
import { ShopService } from '../../src/domain/shop-service.js';
import type { Database } from '../../src/storage/database.js';
import { createRepositories } from '../../src/storage/repositories.js';

/**
 * Creates store `shop` and returns a read+write token for it, straight through the service that
 * `prodimg shops create` / `tokens create` call (test/cli covers the commands; spawning them costs a
 * second each here).
 */
export async function createShopToken(database: Database, shop: string): Promise<string> {
  const repos = createRepositories(database);
  const shops = new ShopService(repos.shops, repos.tokens, systemClock);
  await shops.create(shop, { name: shop });
  return (await shops.createToken(shop, ['read_product', 'write_product'])).token;
}
