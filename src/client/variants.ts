import { ROUTES } from './generated/routes.js';
import type { Send } from './transport.js';
import type { CountData, NewVariant, Variant, VariantChanges, VariantData, VariantsData } from './types.js';

/**
 * A product's variants. As on the platform, a variant is read and changed by its own id alone
 * (`/variants/:variant_id`), and listed, counted, created and deleted below its product.
 */
export function variantsResource(send: Send) {
  const ofProduct = (productId: string) => ({ ids: { product_id: productId } });
  const one = (variantId: string) => ({ ids: { variant_id: variantId } });
  return {
    /** The product's variants, ordered by position. */
    async list(productId: string): Promise<Variant[]> {
      return ((await send(ROUTES.listVariants, ofProduct(productId))) as VariantsData).variants;
    },
    async count(productId: string): Promise<number> {
      return ((await send(ROUTES.countVariants, ofProduct(productId))) as CountData).count;
    },
    async get(variantId: string): Promise<Variant> {
      return ((await send(ROUTES.getVariant, one(variantId))) as VariantData).variant;
    },
    async create(productId: string, fields: NewVariant): Promise<Variant> {
      return ((await send(ROUTES.createVariant, { ...ofProduct(productId), body: { variant: fields } })) as VariantData).variant;
    },
    async update(variantId: string, fields: VariantChanges): Promise<Variant> {
      return ((await send(ROUTES.updateVariant, { ...one(variantId), body: { variant: fields } })) as VariantData).variant;
    },
    async delete(productId: string, variantId: string): Promise<void> {
      await send(ROUTES.deleteVariant, { ids: { product_id: productId, variant_id: variantId } });
    },
  };
}

export type VariantsResource = ReturnType<typeof variantsResource>;
