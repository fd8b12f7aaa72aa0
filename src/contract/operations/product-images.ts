import type { Image } from '../../domain/entities.js';
import { parseImageCreate, parseImageUpdate } from '../image-body.js';
import { imageJson, type WireContext, withLibrarySrc } from '../library-src.js';
import { defineOperation } from '../operation.js';
import { CountEnvelope, EmptyEnvelope, ImageCreateBody, ImageEnvelope, ImageParams, ImagesEnvelope, ImageUpdateBody, ProductParams } from '../schemas.js';

const tag = 'Product Image';
const images = '/products/:product_id/images';
const image = `${images}/:image_id`;
const oneImage = (image: Image, context: WireContext) => ({ image: imageJson(image, context) });

export const listProductImages = defineOperation({
  id: 'listProductImages', method: 'GET', path: images, scope: 'read_product', tag, params: ProductParams,
  summary: 'Get Product Images',
  description: "Retrieves all images of a product, ordered by position: each image's source, dimensions, position and alternative text.",
  response: ImagesEnvelope, errors: ['RecordNotFound'], answer: (images: Image[], context: WireContext) => ({ images: images.map((image) => imageJson(image, context)) }), fastRead: true,
});

export const countProductImages = defineOperation({
  id: 'countProductImages', method: 'GET', path: `${images}/count`, scope: 'read_product', tag, params: ProductParams,
  summary: 'Get Product Image Count',
  description: 'Retrieves the number of images of a product.',
  response: CountEnvelope, errors: ['RecordNotFound'], answer: (count: number) => ({ count }),
});

export const getProductImage = defineOperation({
  id: 'getProductImage', method: 'GET', path: image, scope: 'read_product', tag, params: ImageParams,
  summary: 'Get Product Image Details',
  description:
    'Retrieves detailed information about a specific product image. By providing both the product_id and image_id, users can fetch attributes of a specific image, such as its dimensions, position, and alternate text. Useful for managing product images or troubleshooting image-related issues.',
  response: ImageEnvelope, errors: ['RecordNotFound'], answer: oneImage, fastRead: true,
});

export const createProductImage = defineOperation({
  id: 'createProductImage', method: 'POST', path: images, scope: 'write_product', tag, params: ProductParams, body: ImageCreateBody,
  summary: 'Create Product Image',
  description:
    'Adds an image to a product from an external URL. The image is downloaded into the library, measured and served from the CDN. Without a position it is added last; at a position, the images from there on move down by one.',
  read: ({ body, context }) => withLibrarySrc(parseImageCreate(body), context),
  response: ImageEnvelope, errors: ['RecordNotFound', 'Overloaded'], answer: oneImage,
});

export const updateProductImage = defineOperation({
  id: 'updateProductImage', method: 'PUT', path: image, scope: 'write_product', tag, params: ImageParams, body: ImageUpdateBody,
  summary: 'Update Product Image',
  description: "Changes an image's source, position (the other images move to keep positions 1..n) or alternative text.",
  read: ({ body, context }) => withLibrarySrc(parseImageUpdate(body), context),
  response: ImageEnvelope, errors: ['RecordNotFound', 'Overloaded'], answer: oneImage,
});

export const deleteProductImage = defineOperation({
  id: 'deleteProductImage', method: 'DELETE', path: image, scope: 'write_product', tag, params: ImageParams,
  summary: 'Delete Product Image',
  description: 'Removes an image from a product; the images after it move up by one.',
  response: EmptyEnvelope, errors: ['ProductNotFound', 'ImageNotFound', 'InsufficientStorage', 'StorageUnavailable'], answer: () => ({}),
});
