import type { Static } from '@sinclair/typebox';
import type {
  CountEnvelope,
  ImageCreateBody,
  ImageEnvelope,
  ImagesEnvelope,
  ImageUpdateBody,
  ProductCountQuery as ProductCountQuerySchema,
  ProductCreateBody,
  ProductEnvelope,
  ProductListQuery as ProductListQuerySchema,
  ProductsEnvelope,
  ProductUpdateBody,
  VariantCreateBody,
  VariantEnvelope,
  VariantsEnvelope,
  VariantUpdateBody,
} from '../contract/schemas.js';

/*
 * The client's shapes are the route schemas' own (type-only imports: nothing of the contract is
 * loaded at run time), so an answer or a body field changes here when it changes on the wire.
 */

export type Image = ImageData['image'];
export type Product = ProductData['product'];
export type Variant = VariantData['variant'];
/** One page of `GET /products`: `cursor` is '' on the last page. */
export type ProductPage = Static<typeof ProductsEnvelope>;
/** A product as the list answers it: every field, or those asked for with `fields`. */
export type ListedProduct = ProductPage['products'][number];

/** The answers' data, as the resources unwrap them. */
export type ImageData = Static<typeof ImageEnvelope>;
export type ImagesData = Static<typeof ImagesEnvelope>;
export type ProductData = Static<typeof ProductEnvelope>;
export type VariantData = Static<typeof VariantEnvelope>;
export type CountData = Static<typeof CountEnvelope>;
export type VariantsData = Static<typeof VariantsEnvelope>;

export type NewImage = Static<typeof ImageCreateBody>['image'];
export type ImageChanges = Static<typeof ImageUpdateBody>['image'];
export type NewProduct = Static<typeof ProductCreateBody>['product'];
export type ProductChanges = Static<typeof ProductUpdateBody>['product'];
export type NewVariant = Static<typeof VariantCreateBody>['variant'];
export type VariantChanges = Static<typeof VariantUpdateBody>['variant'];

export type ProductListQuery = Static<typeof ProductListQuerySchema>;
export type ProductCountQuery = Static<typeof ProductCountQuerySchema>;
