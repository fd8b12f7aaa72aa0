import * as op from '../../contract/operations/product-images.js';
import type { ImageService } from '../../domain/image-service.js';
import { bind, type Binding } from '../binding.js';

export function productImageBindings(images: ImageService): Binding[] {
  return [
    bind(op.listProductImages, {
      run: (input, { shopId }) => images.list(shopId, input.productId),
      peek: (input, { shopId }) => images.peekList(shopId, input.productId),
    }),
    bind(op.countProductImages, { run: (input, { shopId }) => images.count(shopId, input.productId) }),
    bind(op.getProductImage, {
      run: (input, { shopId }) => images.get(shopId, input.productId, input.imageId),
      peek: (input, { shopId }) => images.peek(shopId, input.productId, input.imageId),
    }),
    bind(op.createProductImage, { run: (input, { shopId }) => images.create(shopId, input.productId, input.image) }),
    bind(op.updateProductImage, { run: (input, { shopId }) => images.update(shopId, input.productId, input.imageId, input.patch) }),
    bind(op.deleteProductImage, { run: (input, { shopId }) => images.delete(shopId, input.productId, input.imageId) }),
  ];
}
