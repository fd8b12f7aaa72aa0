import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { ImageFields, INVENTORY_POLICIES, OptionFields, ProductFields, VariantFields, VariantImageFields, WEIGHT_UNITS } from '../domain/entities.js';
import { fieldsQuery } from './field-filter.js';
import { INT_MAX, SRC_MAX } from './fields.js';
import { ALT_MAX } from './image-body.js';
import { IMAGES_MAX, IMAGES_PER_REQUEST, PRODUCT_TEXT_MAX, TITLE_MAX } from './product-body.js';
import { PRICE_MAX, VARIANT_NOTE_MAX, VARIANT_TEXT_MAX } from './variant-body.js';
import { PER_PAGE_MAX } from './product-query.js';
import { VARIANTS_MAX } from '../domain/variant-rules.js';

/**
 * The shapes of the API as 2022-01 shows them. Responses are serialised from these (field order is
 * fixed, nothing undeclared such as shop ids can leak); requests are checked by the readers in
 * image-body.ts, product-body.ts, variant-body.ts, product-query.ts and uuid.ts, which keep the
 * platform's exact messages. The request schemas state the same rules for each field's own value
 * (test/api/body-schemas.property.test.ts holds them to the readers), with the readers' limits.
 */
export const ImageSchema = Type.Object(ImageFields.properties, { $id: 'Image', additionalProperties: false });
export type ImageJson = Static<typeof ImageSchema>;

const MainImageSchema = Type.Union([Type.Object({ ...VariantImageFields.properties, path: ImageFields.properties.path }), Type.Null()]);

const Timestamp = Type.String({ examples: ['2024-04-08T07:13:28Z'] });
export const VariantSchema = Type.Object(
  {
    ...VariantFields.properties,
    image: Type.Union([VariantImageFields, Type.Null()]),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Variant', additionalProperties: false },
);
export const OptionSchema = Type.Object(OptionFields.properties, { $id: 'Option', additionalProperties: false });

export const ProductSchema = Type.Object(
  {
    ...ProductFields.properties,
    has_only_default_variant: Type.Boolean(),
    inventory_quantity: Type.Integer({ description: "The sum of its variants' inventory quantities." }),
    need_variant_image: Type.Boolean(),
    image: MainImageSchema,
    images: Type.Array(ImageSchema),
    options: Type.Array(OptionSchema),
    variants: Type.Array(VariantSchema),
  },
  { $id: 'Product', additionalProperties: false },
);
export type ProductJson = Static<typeof ProductSchema>;

export const ImageEnvelope = Type.Object({ image: ImageSchema });
export const ImagesEnvelope = Type.Object({ images: Type.Array(ImageSchema) });
export const CountEnvelope = Type.Object({ count: Type.Integer() });
export const ProductEnvelope = Type.Object({ product: ProductSchema });
export const ProductsEnvelope = Type.Object({
  cursor: Type.String(),
  pre_cursor: Type.String(),
  // Every field, or only those asked for with `fields`.
  products: Type.Array(Type.Partial(Type.Object(ProductSchema.properties))),
});
export const VariantEnvelope = Type.Object({ variant: VariantSchema });
export const VariantsEnvelope = Type.Object({ variants: Type.Array(VariantSchema) });
export const EmptyEnvelope = Type.Object({}, { additionalProperties: false });

// Requests.
const PathUuid = Type.String({ format: 'uuid', examples: ['3fa2cd3e-5f3b-4b7a-9d41-0a1c2b3d4e5f'] });
const ImageId = Type.String({ format: 'uuid', examples: ['9b0f4c2e-4d1a-4e0b-8a39-2f6c1d7e5a10'] });
const VariantId = Type.String({ format: 'uuid', examples: ['c51e2f0a-7b3d-4f6e-9a12-5d8b0e3c7f21'] });
export const ProductParams = Type.Object({ product_id: PathUuid });
export const ImageParams = Type.Object({ product_id: PathUuid, image_id: ImageId });
export const VariantParams = Type.Object({ variant_id: VariantId });
export const ProductVariantParams = Type.Object({ product_id: PathUuid, variant_id: VariantId });

/** The numbers 1..max as a pattern of their digits, so that a numeric string states the readers' bound too. */
function upTo(max: number): string {
  const digits = String(max);
  const shorter = digits.length > 1 ? [`[1-9]\\d{0,${digits.length - 2}}`] : [];
  const below = [...digits].flatMap((digit, i) => {
    const low = i === 0 ? 1 : 0;
    const high = Number(digit) - 1;
    return high >= low ? [`${digits.slice(0, i)}[${low}-${high}]\\d{${digits.length - i - 1}}`] : [];
  });
  return `(?:${[...shorter, ...below, digits].join('|')})`;
}
/** Sent but empty: the readers take null and "" as not sent. */
const Unset = [Type.Null(), Type.Literal('')];
/** A positive integer, as a number or a numeric string (spaces around it ignored). A position past the end means last: no maximum. */
const Position = Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^\\s*0*[1-9]\\d*\\s*$' }), ...Unset]);
const PositiveInt = Type.Union([Type.Integer({ minimum: 1, maximum: INT_MAX }), Type.String({ pattern: `^\\s*0*${upTo(INT_MAX)}\\s*$` }), ...Unset]);
/** Any integer within INT_MAX either way (a count that may go negative), or from 0. */
const SignedInt = Type.Union([Type.Integer({ minimum: -INT_MAX, maximum: INT_MAX }), Type.String({ pattern: `^\\s*-?0*(?:0|${upTo(INT_MAX)})\\s*$` }), ...Unset]);
const CountInt = Type.Union([Type.Integer({ minimum: 0, maximum: INT_MAX }), Type.String({ pattern: `^\\s*(?:-?0+|0*${upTo(INT_MAX)})\\s*$` }), ...Unset]);
const Src = Type.String({ maxLength: SRC_MAX, pattern: '\\S', description: 'http(s) or protocol-relative URL of the image' });
const Alt = Type.Union([Type.String({ maxLength: ALT_MAX }), Type.Null()]);

const NewImageFields = {
  src: Src,
  position: Type.Optional(Position),
  alt: Type.Optional(Alt),
  width: Type.Optional(PositiveInt),
  height: Type.Optional(PositiveInt),
  variant_ids: Type.Optional(Type.Union([Type.Array(PathUuid, { description: 'extension: variants of the same product to show this image' }), Type.Null()])),
};
export const ImageCreateBody = Type.Object({ image: Type.Object(NewImageFields) });
/** An update may send src as null: not sent. */
export const ImageUpdateBody = Type.Object({ image: Type.Partial(Type.Object({ ...NewImageFields, src: Type.Union([Src, Type.Null()]) })) });

/** A list of a body (images, options, variants); null counts as not sent. */
const List = <T extends TSchema>(array: T) => Type.Optional(Type.Union([array, Type.Null()]));
/** A true/false setting; null counts as not sent. */
const Flag = Type.Optional(Type.Union([Type.Boolean(), Type.Null()]));
const Text = (maxLength: number) => Type.Optional(Type.Union([Type.String({ maxLength }), Type.Null()]));
const ProductTextFields = {
  handle: Type.Optional(Type.Union([Type.String({ maxLength: PRODUCT_TEXT_MAX.handle }), Type.Null()])),
  brief: Text(PRODUCT_TEXT_MAX.brief),
  description: Text(PRODUCT_TEXT_MAX.description),
  vendor: Text(PRODUCT_TEXT_MAX.vendor),
  vendor_url: Text(PRODUCT_TEXT_MAX.vendor_url),
  tags: Text(PRODUCT_TEXT_MAX.tags),
  published: Flag,
  requires_shipping: Flag,
  taxable: Flag,
  note: Text(PRODUCT_TEXT_MAX.note),
  seo_title: Text(PRODUCT_TEXT_MAX.seo_title),
  seo_description: Text(PRODUCT_TEXT_MAX.seo_description),
  seo_keywords: Text(PRODUCT_TEXT_MAX.seo_keywords),
  inventory_tracking: Flag,
  inventory_policy: Type.Optional(Type.Union([...INVENTORY_POLICIES.map((policy) => Type.Literal(policy)), Type.Null()], { description: 'required on create while inventory_tracking is true' })),
  spu: Text(PRODUCT_TEXT_MAX.spu),
  fake_sales: Type.Optional(CountInt),
  display_fake_sales: Flag,
};
const Title = Type.String({ minLength: 1, maxLength: TITLE_MAX, pattern: '\\S' });
/** A price: up to PRICE_MAX (9 digits), at most 2 decimals, as a number or a numeric string. */
const Decimal = Type.Union([
  Type.String({ pattern: `^\\s*0*\\d{1,${String(Math.trunc(PRICE_MAX)).length}}(?:\\.\\d{1,2})?\\s*$` }),
  Type.Number({ minimum: 0, maximum: PRICE_MAX, multipleOf: 0.01 }),
]);
const OptionalDecimal = Type.Optional(Type.Union([...Decimal.anyOf, ...Unset]));
const OptionValue = Type.Union([Type.String({ maxLength: VARIANT_TEXT_MAX }), Type.Null()]);
const VariantBodyFields = {
  option1: Type.Optional(OptionValue),
  option2: Type.Optional(OptionValue),
  option3: Type.Optional(OptionValue),
  price: Decimal,
  compare_at_price: OptionalDecimal,
  cost_price: OptionalDecimal,
  sku: Text(VARIANT_TEXT_MAX),
  barcode: Text(VARIANT_TEXT_MAX),
  note: Text(VARIANT_NOTE_MAX),
  position: Type.Optional(Position),
  // Numbers JavaScript writes with an exponent (1e21 and up, below 1e-6) are refused by the reader: the maximum states the first.
  weight: Type.Optional(Type.Union([Type.String({ pattern: '^(?:|\\s*\\d+(?:\\.\\d+)?\\s*)$' }), Type.Number({ minimum: 0, exclusiveMaximum: 1e21 }), Type.Null()])),
  weight_unit: Type.Optional(Type.Union([...WEIGHT_UNITS.map((unit) => Type.Literal(unit)), ...Unset])),
  inventory_quantity: Type.Optional(SignedInt),
  image_id: Type.Optional(Type.Union([PathUuid, Type.Literal(''), Type.Null()], { description: "one of the same product's images; '' or null unlinks" })),
};
export const VariantCreateBody = Type.Object({ variant: Type.Object(VariantBodyFields) });
/** An update may send a price as null or "": not sent. */
const VariantPatchFields = Type.Partial(Type.Object({ ...VariantBodyFields, price: OptionalDecimal }));
export const VariantUpdateBody = Type.Object({ variant: VariantPatchFields });
const ProductCatalogueFields = {
  need_variant_image: Flag,
  options: List(Type.Array(Type.Object({ name: Type.String({ maxLength: VARIANT_TEXT_MAX }), values: Type.Array(Type.String({ maxLength: VARIANT_TEXT_MAX }), { minItems: 1 }) }), { maxItems: 3 })),
};
export const ProductCreateBody = Type.Object({
  product: Type.Object({
    title: Title,
    ...ProductTextFields,
    images: List(
      Type.Array(Type.Object({ src: Src, alt: Type.Optional(Alt), width: Type.Optional(PositiveInt), height: Type.Optional(PositiveInt) }), {
        maxItems: IMAGES_PER_REQUEST,
        description: `each src is downloaded before the answer: at most ${IMAGES_PER_REQUEST} per request (the platform allows ${IMAGES_MAX})`,
      }),
    ),
    ...ProductCatalogueFields,
    variants: List(Type.Array(Type.Object(VariantBodyFields), { maxItems: VARIANTS_MAX, description: 'none: one default variant' })),
  }),
});
export const ProductUpdateBody = Type.Object({
  product: Type.Object({
    title: Type.Optional(Title),
    ...ProductTextFields,
    images: List(
      Type.Array(
        Type.Object({
          id: Type.Optional(Type.Union([PathUuid, Type.Null()])),
          src: Type.Optional(Type.Union([Src, Type.Null()])),
          alt: Type.Optional(Alt),
          width: Type.Optional(PositiveInt),
          height: Type.Optional(PositiveInt),
        }),
        {
          maxItems: IMAGES_MAX,
          description: `the whole gallery in order: entries with an id are kept, others created (src required), unlisted images deleted; at most ${IMAGES_PER_REQUEST} entries with a src per request`,
        },
      ),
    ),
    ...ProductCatalogueFields,
    variants: List(
      Type.Array(Type.Object({ id: Type.Optional(Type.Union([PathUuid, Type.Null()])), ...VariantPatchFields.properties }), {
        maxItems: VARIANTS_MAX,
        description: 'all the variants in order: entries with an id are kept, others created (price required), unlisted variants deleted',
      }),
    ),
  }),
});
const Time = Type.String({ format: 'date-time', examples: ['2018-10-01T16:15:47-04:00'] });
const ProductFilterQuery = {
  ids: Type.Optional(Type.String({ description: 'comma-separated product ids' })),
  title: Type.Optional(Type.String({ description: 'part of the title, any case' })),
  created_at_min: Type.Optional(Time),
  created_at_max: Type.Optional(Time),
  updated_at_min: Type.Optional(Time),
  updated_at_max: Type.Optional(Time),
  spus: Type.Optional(Type.String({ description: 'comma-separated SPUs, matched exactly' })),
  published_status: Type.Optional(Type.Union([Type.Literal('published'), Type.Literal('unpublished'), Type.Literal('any')], { default: 'any' })),
};
export const ProductCountQuery = Type.Object(ProductFilterQuery);
export const ProductListQuery = Type.Object({
  ...ProductFilterQuery,
  ...fieldsQuery('id,title'),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: PER_PAGE_MAX, default: 20 })),
  cursor: Type.Optional(Type.String({ description: 'the `cursor` of the previous answer: the next page' })),
  pre_cursor: Type.Optional(Type.String({ description: 'the `pre_cursor` of the previous answer: the page before' })),
});
