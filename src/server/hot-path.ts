import { API_VERSIONS } from '../contract/versions.js';

/** A request the hot-read path may answer: the image list of a product, or one image of it. */
export type HotPath = { kind: 'list'; productId: string } | { kind: 'image'; productId: string; imageId: string };

const VERSIONS: ReadonlySet<string> = new Set(API_VERSIONS);

/**
 * Recognises `/openapi/<version>/products/<id>/images[/<id>]` in exactly the form the router would
 * match with the ids as given; anything else (a query string, escapes, extra slashes, `count`) is
 * null and left to the router. The ids are not checked here: they only ever serve as cache keys, and a
 * key that is not a stored id finds nothing.
 */
export function parseHotPath(url: string): HotPath | null {
  if (url.includes('?') || url.includes('%')) return null;
  const parts = url.split('/');
  if (parts.length < 6 || parts.length > 7) return null;
  const [root, api, version, products, productId, images, imageId] = parts;
  if (root !== '' || api !== 'openapi' || products !== 'products' || images !== 'images') return null;
  if (!VERSIONS.has(version!) || !productId) return null;
  if (imageId === undefined) return { kind: 'list', productId };
  if (!imageId || imageId === 'count') return null;
  return { kind: 'image', productId, imageId };
}
