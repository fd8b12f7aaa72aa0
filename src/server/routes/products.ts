import * as op from '../../contract/operations/products.js';
import type { ProductService } from '../../domain/product-service.js';
import { bind, type Binding } from '../binding.js';

export function productBindings(products: ProductService): Binding[] {
  return [
    bind(op.listProducts, { run: (query, { shopId }) => products.list(shopId, query) }),
    bind(op.countProducts, { run: (_input, { shopId }) => products.count(shopId) }),
    bind(op.getProduct, { run: (input, { shopId }) => products.get(shopId, input.productId) }),
    bind(op.createProduct, { run: (input, { shopId }) => products.create(shopId, input) }),
    bind(op.updateProduct, { run: (input, { shopId }) => products.update(shopId, input.productId, input.patch) }),
    bind(op.deleteProduct, { run: (input, { shopId }) => products.delete(shopId, input.productId) }),
  ];
}
