import { Type } from '@sinclair/typebox';
import type { ProductWithImages } from '../../domain/entities.js';
import type { ProductPage } from '../../domain/ports.js';
import type { WireContext } from '../library-src.js';
import { defineOperation } from '../operation.js';
import { parseProductCreate, parseProductUpdate } from '../product-body.js';
import { onlyFields } from '../field-filter.js';
import { productJson } from '../product-json.js';
import { parseProductCountQuery, parseProductQuery } from '../product-query.js';
import { CountEnvelope, EmptyEnvelope, ProductCountQuery, ProductCreateBody, ProductEnvelope, ProductListQuery, ProductParams, ProductsEnvelope, ProductUpdateBody } from '../schemas.js';

const tag = 'Product';
const NoParams = Type.Object({});
const oneProduct = (product: ProductWithImages, context: WireContext) => ({ product: productJson(product, context) });

export const listProducts = defineOperation({
  id: 'listProducts', method: 'GET', path: '/products', scope: 'read_product', tag, params: NoParams, query: ProductListQuery,
  summary: 'Get Products',
  description:
    "Retrieves the products of the store with their images, oldest first, a page at a time: pass the answer's `cursor` (or `pre_cursor`) back for the next (or previous) page.",
  read: ({ query }) => parseProductQuery(query),
  response: ProductsEnvelope, errors: ['Validation'],
  answer: ({ page, fields }: { page: ProductPage; fields: readonly string[] | undefined }, context: WireContext) => ({
    cursor: page.cursor,
    pre_cursor: page.preCursor,
    products: page.products.map((product) => onlyFields(productJson(product, context), fields)),
  }),
});

export const countProducts = defineOperation({
  id: 'countProducts', method: 'GET', path: '/products/count', scope: 'read_product', tag, params: NoParams, query: ProductCountQuery,
  summary: 'Get Product Count',
  description: 'Retrieves the number of products of the store, or of those matching the same filters as the product list.',
  read: ({ query }) => parseProductCountQuery(query),
  response: CountEnvelope, errors: ['Validation'], answer: (count: number) => ({ count }),
});

export const getProduct = defineOperation({
  id: 'getProduct', method: 'GET', path: '/products/:product_id', scope: 'read_product', tag, params: ProductParams,
  summary: 'Get Product Details',
  description: 'Retrieves one product with its images.',
  response: ProductEnvelope, errors: ['RecordNotFound'], answer: oneProduct,
});

export const createProduct = defineOperation({
  id: 'createProduct', method: 'POST', path: '/products', scope: 'write_product', tag, params: NoParams, body: ProductCreateBody,
  summary: 'Create Product',
  description: 'Creates a product, with its images in the order given (each downloaded into the library as an image create does).',
  read: ({ body, context }) => parseProductCreate(body, context),
  response: ProductEnvelope, errors: ['Overloaded'], answer: oneProduct,
});

export const updateProduct = defineOperation({
  id: 'updateProduct', method: 'PUT', path: '/products/:product_id', scope: 'write_product', tag, params: ProductParams, body: ProductUpdateBody,
  summary: 'Update Product',
  description: "Changes a product's fields; with `images`, the list is the product's whole gallery in order.",
  read: ({ body, context }) => parseProductUpdate(body, context),
  response: ProductEnvelope, errors: ['RecordNotFound', 'Overloaded'], answer: oneProduct,
});

export const deleteProduct = defineOperation({
  id: 'deleteProduct', method: 'DELETE', path: '/products/:product_id', scope: 'write_product', tag, params: ProductParams,
  summary: 'Delete Product',
  description: 'Deletes a product and all its images.',
  response: EmptyEnvelope, errors: ['RecordNotFound', 'InsufficientStorage', 'StorageUnavailable'], answer: () => ({}),
});
