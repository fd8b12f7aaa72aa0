import { API_VERSIONS } from '../contract/versions.js';

/** A request the hot-read path may answer: the image list of a product, or one image of it. */
export type HotPath = { kind: 'list'; productId: string } | { kind: 'image'; productId: string; imageId: string };

// One pattern for both routes: no query string, no escapes, no empty or extra segments.
const HOT = new RegExp(`^/openapi/(?:${API_VERSIONS.join('|')})/products/([^/?%]+)/images(?:/([^/?%]+))?$`);

/**
 * Recognises `/openapi/<version>/products/<id>/images[/<id>]` in exactly the form the router would
 * match with the ids as given; anything else (a query string, escapes, extra slashes, `count`) is
 * null and left to the router. The ids are not checked here: they only ever serve as cache keys, and a
 * key that is not a stored id finds nothing.
 */
export function parseHotPath(url: string): HotPath | null {
  const match = HOT.exec(url);
  if (match === null) return null;
  const [, productId, imageId] = match as unknown as [string, string, string | undefined];
  if (imageId === undefined) return { kind: 'list', productId };
  return imageId === 'count' ? null : { kind: 'image', productId, imageId };
}
