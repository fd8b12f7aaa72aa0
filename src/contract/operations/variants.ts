import { variantJson, type WireContext } from '../library-src.js';
import type { Variant } from '../../domain/entities.js';
import type { ErrorCode } from '../../domain/errors.js';
import { defineOperation } from '../operation.js';
import { CountEnvelope, EmptyEnvelope, ProductParams, ProductVariantParams, VariantCreateBody, VariantEnvelope, VariantParams, VariantsEnvelope, VariantUpdateBody } from '../schemas.js';
import { parseVariantCreate, parseVariantUpdate } from '../variant-body.js';

const tag = 'Product Variant';
const variants = '/products/:product_id/variants';
/** What the operations answering one variant answer, and the not-found they share. */
const oneVariant = { response: VariantEnvelope, errors: ['RecordNotFound'] as ErrorCode[], answer: (variant: Variant, context: WireContext) => ({ variant: variantJson(variant, context) }) };

export const listVariants = defineOperation({
  id: 'listVariants', method: 'GET', path: variants, scope: 'read_product', tag, params: ProductParams,
  summary: 'Get Product Variants',
  description: "Retrieves all variants of a product, ordered by position, each with its option values, price, inventory and image.",
  response: VariantsEnvelope, errors: ['RecordNotFound'], answer: (list: Variant[], context: WireContext) => ({ variants: list.map((variant) => variantJson(variant, context)) }),
});

export const countVariants = defineOperation({
  id: 'countVariants', method: 'GET', path: `${variants}/count`, scope: 'read_product', tag, params: ProductParams,
  summary: 'Get Product Variant Count',
  description: 'Retrieves the number of variants of a product (a product always has at least its default one).',
  response: CountEnvelope, errors: ['RecordNotFound'], answer: (count: number) => ({ count }),
});

export const createVariant = defineOperation({
  id: 'createVariant', method: 'POST', path: variants, scope: 'write_product', tag, params: ProductParams, body: VariantCreateBody,
  summary: 'Create Product Variant',
  description:
    "Adds a variant to a product. It needs a value for each of the product's options, a combination no other variant has, and a price; `image_id` may name one of the product's images. Without a position it is added last.",
  read: ({ body }) => parseVariantCreate(body),
  ...oneVariant,
});

export const getVariant = defineOperation({
  id: 'getVariant', method: 'GET', path: '/variants/:variant_id', scope: 'read_product', tag, params: VariantParams,
  summary: 'Get Variant Details',
  description: 'Retrieves one variant by its id.',
  ...oneVariant,
});

export const updateVariant = defineOperation({
  id: 'updateVariant', method: 'PUT', path: '/variants/:variant_id', scope: 'write_product', tag, params: VariantParams, body: VariantUpdateBody,
  summary: 'Update Variant',
  description:
    "Changes a variant's fields. `image_id` links it to one of the same product's images (`\"\"` or null unlinks); a position moves it among the product's variants.",
  read: ({ body }) => parseVariantUpdate(body),
  ...oneVariant,
});

export const deleteVariant = defineOperation({
  id: 'deleteVariant', method: 'DELETE', path: `${variants}/:variant_id`, scope: 'write_product', tag, params: ProductVariantParams,
  summary: 'Delete Product Variant',
  description: 'Removes a variant from a product; the variants after it move up by one. The last variant of a product cannot be deleted.',
  response: EmptyEnvelope, errors: ['RecordNotFound', 'Validation'], answer: () => ({}),
});

