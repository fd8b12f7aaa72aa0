import type { ProductWithImages } from '../domain/entities.js';
import { imageJson, variantJson, type WireContext } from './library-src.js';
import type { ProductJson } from './schemas.js';

/**
 * The product as the API shows it: `image` is the first image in short form, or null;
 * `has_only_default_variant` while it has no options (then its one variant is the default one);
 * `inventory_quantity` is the sum of its variants', as the platform answers it.
 */
export function productJson(product: ProductWithImages, context: WireContext): ProductJson {
  const images = product.images.map((image) => imageJson(image, context));
  const first = images[0];
  return {
    ...product,
    has_only_default_variant: product.options.length === 0,
    inventory_quantity: product.variants.reduce((sum, variant) => sum + variant.inventory_quantity, 0),
    images,
    variants: product.variants.map((variant) => variantJson(variant, context)),
    image: first ? { src: first.src, width: first.width, height: first.height, alt: first.alt, path: first.path } : null,
  };
}
