import { type Static, Type } from '@sinclair/typebox';

/**
 * Response shapes of the 2020-07/2022-01 API. Fastify serialises replies from these, so field order
 * is fixed and nothing undeclared (shop ids, hashes) can leak into a response.
 */
const Timestamp = Type.String({ examples: ['2024-04-08T07:13:28Z'] });

export const ImageSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    product_id: Type.String({ format: 'uuid' }),
    position: Type.Integer({ minimum: 1 }),
    src: Type.String(),
    path: Type.String(),
    width: Type.Integer(),
    height: Type.Integer(),
    alt: Type.String(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Image', additionalProperties: false },
);
export type ImageJson = Static<typeof ImageSchema>;

const MainImageSchema = Type.Union([
  Type.Object({ src: Type.String(), width: Type.Integer(), height: Type.Integer(), alt: Type.String(), path: Type.String() }),
  Type.Null(),
]);

export const ProductSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    title: Type.String(),
    handle: Type.String(),
    description: Type.String(),
    vendor: Type.String(),
    tags: Type.String(),
    published: Type.Boolean(),
    published_at: Type.Union([Timestamp, Type.Null()]),
    created_at: Timestamp,
    updated_at: Timestamp,
    image: MainImageSchema,
    images: Type.Array(ImageSchema),
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
  products: Type.Array(ProductSchema),
});
export const EmptyEnvelope = Type.Object({}, { additionalProperties: false });
