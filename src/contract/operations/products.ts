import { Type } from '@sinclair/typebox';
import type { NewProduct, ProductPatch, ProductWithImages } from '../../domain/entities.js';
import type { ProductPage, ProductQuery } from '../../domain/ports.js';
import { BODY_ERRORS, defineOperation } from '../operation.js';
import { parseProductCreate, parseProductUpdate } from '../product-body.js';
import { productJson } from '../product-json.js';
import { parseProductQuery } from '../product-query.js';
import { CountEnvelope, EmptyEnvelope, ProductCreateBody, ProductEnvelope, ProductListQuery, ProductParams, ProductsEnvelope, ProductUpdateBody } from '../schemas.js';
import { parsePathIds } from '../uuid.js';

const NoParams = Type.Object({});
const NoQuery = Type.Object({});
const TAG = 'Product';

type ProductPath = { productId: string };

export const listProducts = defineOperation({
  id: 'listProducts',
  method: 'GET',
  path: '/products',
  scope: 'read_product',
  tag: TAG,
  summary: 'Get Products',
  description: 'Retrieves the products of the store with their images, oldest first, a page at a time: pass the answer\'s `cursor` (or `pre_cursor`) back for the next (or previous) page.',
  params: NoParams,
  query: ProductListQuery,
  response: ProductsEnvelope,
  errors: ['Validation'],
  read: ({ query }): ProductQuery => parseProductQuery(query),
  answer: (page: ProductPage) => ({ cursor: page.cursor, pre_cursor: page.preCursor, products: page.products.map(productJson) }),
});

export const countProducts = defineOperation({
  id: 'countProducts',
  method: 'GET',
  path: '/products/count',
  scope: 'read_product',
  tag: TAG,
  summary: 'Get Product Count',
  description: 'Retrieves the number of products of the store.',
  params: NoParams,
  query: NoQuery,
  response: CountEnvelope,
  errors: [],
  read: (): void => undefined,
  answer: (count: number) => ({ count }),
});

export const getProduct = defineOperation({
  id: 'getProduct',
  method: 'GET',
  path: '/products/:product_id',
  scope: 'read_product',
  tag: TAG,
  summary: 'Get Product Details',
  description: 'Retrieves one product with its images.',
  params: ProductParams,
  query: NoQuery,
  response: ProductEnvelope,
  errors: ['Validation', 'RecordNotFound'],
  read: ({ params }): ProductPath => parsePathIds(params, false),
  answer: (product: ProductWithImages) => ({ product: productJson(product) }),
});

export const createProduct = defineOperation({
  id: 'createProduct',
  method: 'POST',
  path: '/products',
  scope: 'write_product',
  tag: TAG,
  summary: 'Create Product',
  description: 'Creates a product, with its images in the order given (each downloaded into the library like an image create).',
  params: NoParams,
  query: NoQuery,
  body: ProductCreateBody,
  response: ProductEnvelope,
  errors: BODY_ERRORS,
  read: ({ body }): NewProduct => parseProductCreate(body),
  answer: (product: ProductWithImages) => ({ product: productJson(product) }),
});

export const updateProduct = defineOperation({
  id: 'updateProduct',
  method: 'PUT',
  path: '/products/:product_id',
  scope: 'write_product',
  tag: TAG,
  summary: 'Update Product',
  description: "Changes a product's fields; with `images`, the list is the product's whole gallery in order.",
  params: ProductParams,
  query: NoQuery,
  body: ProductUpdateBody,
  response: ProductEnvelope,
  errors: [...BODY_ERRORS, 'RecordNotFound'],
  read: ({ params, body }): ProductPath & { patch: ProductPatch } => ({ ...parsePathIds(params, false), patch: parseProductUpdate(body) }),
  answer: (product: ProductWithImages) => ({ product: productJson(product) }),
});

export const deleteProduct = defineOperation({
  id: 'deleteProduct',
  method: 'DELETE',
  path: '/products/:product_id',
  scope: 'write_product',
  tag: TAG,
  summary: 'Delete Product',
  description: 'Deletes a product and all its images.',
  params: ProductParams,
  query: NoQuery,
  response: EmptyEnvelope,
  errors: ['Validation', 'RecordNotFound'],
  read: ({ params }): ProductPath => parsePathIds(params, false),
  answer: (_result: void) => ({}),
});
