import type { WireContext } from '../../contract/library-src.js';
import { productJson } from '../../contract/product-json.js';
import { PRODUCT_SETTING_DEFAULTS, type ProductWithImages, type Variant } from '../../domain/entities.js';
import { VARIANT_DEFAULTS } from '../../domain/variant-rules.js';

/**
 * The body of a delivery, from the event as stored: a product (the domain object as its change
 * left it) becomes `{"product":{...}}` exactly as the API answers it, its `src` URLs on the CDN base
 * a request without Host gets (PRODIMG_CDN_HOST, else PRODIMG_PUBLIC_URL, else the listen address);
 * any other content (a shop) was stored as sent.
 */
export function webhookBody(content: Record<string, unknown>, context: WireContext): Buffer {
  const body = content.product ? { product: productJson(withNewerFields(content.product as ProductWithImages), context) } : content;
  return Buffer.from(JSON.stringify(body));
}

/**
 * An event stored before migration 015 has no brief, SEO, ... nor variant note and cost price: it is
 * sent with the values the migration gave the product's row, so every delivery has every field.
 * Only missing keys are added (at the end), so a newer event's order is untouched.
 */
function withNewerFields(product: ProductWithImages): ProductWithImages {
  const variantDefaults = { cost_price: VARIANT_DEFAULTS.cost_price, note: VARIANT_DEFAULTS.note };
  return {
    ...product,
    ...missing(product, PRODUCT_SETTING_DEFAULTS),
    variants: product.variants.map((variant): Variant => ({ ...variant, ...missing(variant, variantDefaults) })),
  };
}

const missing = <T extends object>(value: object, defaults: T): Partial<T> => Object.fromEntries(Object.entries(defaults).filter(([key]) => !(key in value))) as Partial<T>;
