import type { WireContext } from '../../contract/library-src.js';
import { productJson } from '../../contract/product-json.js';
import type { ProductWithImages } from '../../domain/entities.js';

/**
 * The body of a delivery, from the event as stored: a product (the domain object as its change
 * left it) becomes `{"product":{...}}` exactly as the API answers it, its `src` URLs on the CDN base
 * a request without Host gets (PRODIMG_CDN_HOST, else PRODIMG_PUBLIC_URL, else the listen address);
 * any other content (a shop) was stored as sent.
 */
export function webhookBody(content: Record<string, unknown>, context: WireContext): Buffer {
  const body = content.product ? { product: productJson(content.product as ProductWithImages, context) } : content;
  return Buffer.from(JSON.stringify(body));
}
