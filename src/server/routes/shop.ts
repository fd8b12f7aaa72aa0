import { getShop } from '../../contract/operations/shop.js';
import type { ShopService } from '../../domain/shop-service.js';
import { bind, type Binding } from '../binding.js';

/** `baseDomain`: PRODIMG_BASE_DOMAIN, which the shop's `domain` is made under. */
export function shopBindings(shops: ShopService, baseDomain: string): Binding[] {
  return [bind(getShop, { run: async ({ input }, { shopId }) => ({ shop: await shops.get(shopId), baseDomain, fields: input }) })];
}
