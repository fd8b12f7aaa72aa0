import * as op from '../../contract/operations/products.js';
import type { ProductService } from '../../domain/product-service.js';
import { bind, type Binding } from '../binding.js';

export function productBindings(products: ProductService): Binding[] {
  return [
    bind(op.listProducts, { run: async ({ input }, { shopId }) => ({ page: await products.list(shopId, input.query), fields: input.fields }) }),
    bind(op.countProducts, { run: ({ input }, { shopId }) => products.count(shopId, input) }),
    bind(op.getProduct, { run: ({ path }, { shopId }) => products.get(shopId, path.productId) }),
    bind(op.createProduct, { run: ({ input }, { shopId }) => products.create(shopId, input) }),
    bind(op.updateProduct, { run: ({ path, input }, { shopId }) => products.update(shopId, path.productId, input) }),
    bind(op.deleteProduct, { run: ({ path }, { shopId }) => products.delete(shopId, path.productId) }),
  ];
}
