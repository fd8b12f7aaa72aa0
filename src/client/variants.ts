import type { Send } from './transport.js';
import type { CountData, NewVariant, Variant, VariantChanges, VariantData, VariantsData } from './types.js';

const id = encodeURIComponent;

/**
 * A product's variants. As on the platform, a variant is read and changed by its own id alone
 * (`/variants/:variant_id`), and listed, counted, created and deleted below its product.
 */
export function variantsResource(send: Send) {
  const variants = (productId: string) => `/products/${id(productId)}/variants`;
  const variant = (variantId: string) => `/variants/${id(variantId)}`;
  return {
    /** The product's variants, ordered by position. */
    async list(productId: string): Promise<Variant[]> {
      return ((await send('GET', variants(productId))) as VariantsData).variants;
    },
    async count(productId: string): Promise<number> {
      return ((await send('GET', `${variants(productId)}/count`)) as CountData).count;
    },
    async get(variantId: string): Promise<Variant> {
      return ((await send('GET', variant(variantId))) as VariantData).variant;
    },
    async create(productId: string, fields: NewVariant): Promise<Variant> {
      return ((await send('POST', variants(productId), { body: { variant: fields } })) as VariantData).variant;
    },
    async update(variantId: string, fields: VariantChanges): Promise<Variant> {
      return ((await send('PUT', variant(variantId), { body: { variant: fields } })) as VariantData).variant;
    },
    async delete(productId: string, variantId: string): Promise<void> {
      await send('DELETE', `${variants(productId)}/${id(variantId)}`);
    },
  };
}

export type VariantsResource = ReturnType<typeof variantsResource>;
