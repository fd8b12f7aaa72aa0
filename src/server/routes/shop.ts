import { getShop, getShopById } from '../../contract/operations/shop.js';
import { shopNotFound } from '../../domain/errors.js';
import type { ShopService } from '../../domain/shop-service.js';
import { isUuid } from '../../domain/uuid.js';
import { bind, type Binding } from '../binding.js';

/** `baseDomain`: PRODIMG_BASE_DOMAIN, which the shop's `domain` is made under. */
export function shopBindings(shops: ShopService, baseDomain: string): Binding[] {
  return [
    bind(getShop, { run: async ({ input }, { shopId }) => ({ shop: await shops.get(shopId), baseDomain, fields: input }) }),
    bind(getShopById, {
      run: async ({ path, input }, { shopId }) => {
        // A token sees its own store only: another store's id, or no store's, is not found (any case, as ids are read elsewhere).
        if (!isUuid(path.shopId) || path.shopId.toLowerCase() !== shopId) throw shopNotFound();
        return { shop: await shops.get(shopId), baseDomain, fields: input };
      },
    }),
  ];
}
