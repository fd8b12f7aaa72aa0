import { ROUTES } from './generated/routes.js';
import type { Send } from './transport.js';
import type { CountData, Image, ImageChanges, ImageData, ImagesData, NewImage } from './types.js';

/** A product's images: `/products/:product_id/images`. */
export function imagesResource(send: Send) {
  const ofProduct = (productId: string) => ({ ids: { product_id: productId } });
  const one = (productId: string, imageId: string) => ({ ids: { product_id: productId, image_id: imageId } });
  return {
    /** The product's images, ordered by position. */
    async list(productId: string): Promise<Image[]> {
      return ((await send(ROUTES.listProductImages, ofProduct(productId))) as ImagesData).images;
    },
    async count(productId: string): Promise<number> {
      return ((await send(ROUTES.countProductImages, ofProduct(productId))) as CountData).count;
    },
    async get(productId: string, imageId: string): Promise<Image> {
      return ((await send(ROUTES.getProductImage, one(productId, imageId))) as ImageData).image;
    },
    /** Adds an image from `src` (downloaded by the server); last, unless `position` says where. */
    async create(productId: string, fields: NewImage): Promise<Image> {
      return ((await send(ROUTES.createProductImage, { ...ofProduct(productId), body: { image: fields } })) as ImageData).image;
    },
    async update(productId: string, imageId: string, fields: ImageChanges): Promise<Image> {
      return ((await send(ROUTES.updateProductImage, { ...one(productId, imageId), body: { image: fields } })) as ImageData).image;
    },
    async delete(productId: string, imageId: string): Promise<void> {
      await send(ROUTES.deleteProductImage, one(productId, imageId));
    },
  };
}

export type ImagesResource = ReturnType<typeof imagesResource>;
