import * as op from '../../contract/operations/product-images.js';
import type { ImageService } from '../../domain/image-service.js';
import { bind, type Binding } from '../binding.js';

export function productImageBindings(images: ImageService): Binding[] {
  return [
    bind(op.listProductImages, {
      run: ({ path }, { shopId }) => images.list(shopId, path.productId),
      peek: ({ path }, { shopId }) => images.peekList(shopId, path.productId),
    }),
    bind(op.countProductImages, { run: ({ path }, { shopId }) => images.count(shopId, path.productId) }),
    bind(op.getProductImage, {
      run: ({ path }, { shopId }) => images.get(shopId, path.productId, path.imageId),
      peek: ({ path }, { shopId }) => images.peek(shopId, path.productId, path.imageId),
    }),
    bind(op.createProductImage, { run: ({ path, input }, { shopId }) => images.create(shopId, path.productId, input) }),
    bind(op.updateProductImage, { run: ({ path, input }, { shopId }) => images.update(shopId, path.productId, path.imageId, input) }),
    bind(op.deleteProductImage, { run: ({ path }, { shopId }) => images.delete(shopId, path.productId, path.imageId) }),
  ];
}
