import type { Send } from './transport.js';
import type { CountData, Image, ImageChanges, ImageData, ImagesData, NewImage } from './types.js';

const id = encodeURIComponent;

/** A product's images: `/products/:product_id/images`. */
export function imagesResource(send: Send) {
  const images = (productId: string) => `/products/${id(productId)}/images`;
  const image = (productId: string, imageId: string) => `${images(productId)}/${id(imageId)}`;
  return {
    /** The product's images, ordered by position. */
    async list(productId: string): Promise<Image[]> {
      return ((await send('GET', images(productId))) as ImagesData).images;
    },
    async count(productId: string): Promise<number> {
      return ((await send('GET', `${images(productId)}/count`)) as CountData).count;
    },
    async get(productId: string, imageId: string): Promise<Image> {
      return ((await send('GET', image(productId, imageId))) as ImageData).image;
    },
    /** Adds an image from `src` (downloaded by the server); last, unless `position` says where. */
    async create(productId: string, fields: NewImage): Promise<Image> {
      return ((await send('POST', images(productId), { body: { image: fields } })) as ImageData).image;
    },
    async update(productId: string, imageId: string, fields: ImageChanges): Promise<Image> {
      return ((await send('PUT', image(productId, imageId), { body: { image: fields } })) as ImageData).image;
    },
    async delete(productId: string, imageId: string): Promise<void> {
      await send('DELETE', image(productId, imageId));
    },
  };
}

export type ImagesResource = ReturnType<typeof imagesResource>;
