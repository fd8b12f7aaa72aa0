import { Type } from '@sinclair/typebox';
import type { Image, ImagePatch, NewImage } from '../../domain/entities.js';
import { parseImageCreate, parseImageUpdate } from '../image-body.js';
import { BODY_ERRORS, defineOperation } from '../operation.js';
import { CountEnvelope, EmptyEnvelope, ImageCreateBody, ImageEnvelope, ImageParams, ImagesEnvelope, ImageUpdateBody, ProductParams } from '../schemas.js';
import { parsePathIds } from '../uuid.js';

const NoQuery = Type.Object({});
const TAG = 'Product Image';

type ProductPath = { productId: string };
type ImagePath = { productId: string; imageId: string };

export const listProductImages = defineOperation({
  id: 'listProductImages',
  method: 'GET',
  path: '/products/:product_id/images',
  scope: 'read_product',
  tag: TAG,
  summary: 'Get Product Images',
  description: "Retrieves all images of a product, ordered by position: each image's source, dimensions, position and alternative text.",
  params: ProductParams,
  query: NoQuery,
  response: ImagesEnvelope,
  errors: ['Validation', 'RecordNotFound'],
  read: ({ params }): ProductPath => parsePathIds(params, false),
  answer: (images: Image[]) => ({ images }),
  fastRead: true,
});

export const countProductImages = defineOperation({
  id: 'countProductImages',
  method: 'GET',
  path: '/products/:product_id/images/count',
  scope: 'read_product',
  tag: TAG,
  summary: 'Get Product Image Count',
  description: 'Retrieves the number of images of a product.',
  params: ProductParams,
  query: NoQuery,
  response: CountEnvelope,
  errors: ['Validation', 'RecordNotFound'],
  read: ({ params }): ProductPath => parsePathIds(params, false),
  answer: (count: number) => ({ count }),
});

export const getProductImage = defineOperation({
  id: 'getProductImage',
  method: 'GET',
  path: '/products/:product_id/images/:image_id',
  scope: 'read_product',
  tag: TAG,
  summary: 'Get Product Image Details',
  description:
    'Retrieves detailed information about a specific product image. By providing both the product_id and image_id, users can fetch attributes of a specific image, such as its dimensions, position, and alternate text. Useful for managing product images or troubleshooting image-related issues.',
  params: ImageParams,
  query: NoQuery,
  response: ImageEnvelope,
  errors: ['Validation', 'RecordNotFound'],
  read: ({ params }): ImagePath => parsePathIds(params, true),
  answer: (image: Image) => ({ image }),
  fastRead: true,
});

export const createProductImage = defineOperation({
  id: 'createProductImage',
  method: 'POST',
  path: '/products/:product_id/images',
  scope: 'write_product',
  tag: TAG,
  summary: 'Create Product Image',
  description:
    "Adds an image to a product from an external URL. The image is downloaded into the library, measured and served from the CDN; without a position it is added last, at a position the images after it move down by one.",
  params: ProductParams,
  query: NoQuery,
  body: ImageCreateBody,
  response: ImageEnvelope,
  errors: [...BODY_ERRORS, 'RecordNotFound'],
  read: ({ params, body }): ProductPath & { image: NewImage } => ({ ...parsePathIds(params, false), image: parseImageCreate(body) }),
  answer: (image: Image) => ({ image }),
});

export const updateProductImage = defineOperation({
  id: 'updateProductImage',
  method: 'PUT',
  path: '/products/:product_id/images/:image_id',
  scope: 'write_product',
  tag: TAG,
  summary: 'Update Product Image',
  description: "Changes an image's source, position (the other images move to keep positions 1..n) or alternative text.",
  params: ImageParams,
  query: NoQuery,
  body: ImageUpdateBody,
  response: ImageEnvelope,
  errors: [...BODY_ERRORS, 'RecordNotFound'],
  read: ({ params, body }): ImagePath & { patch: ImagePatch } => ({ ...parsePathIds(params, true), patch: parseImageUpdate(body) }),
  answer: (image: Image) => ({ image }),
});

export const deleteProductImage = defineOperation({
  id: 'deleteProductImage',
  method: 'DELETE',
  path: '/products/:product_id/images/:image_id',
  scope: 'write_product',
  tag: TAG,
  summary: 'Delete Product Image',
  description: 'Removes an image from a product; the images after it move up by one.',
  params: ImageParams,
  query: NoQuery,
  response: EmptyEnvelope,
  errors: ['Validation', 'ProductNotFound', 'ImageNotFound'],
  read: ({ params }): ImagePath => parsePathIds(params, true),
  answer: (_result: void) => ({}),
});
