import type { Image, Variant } from '../domain/entities.js';
import { isLibraryReference } from '../domain/ingest.js';

/**
 * How `src` crosses the wire. An image of our own library stores only its file name (`<md5>.<ext>`,
 * never mistaken for a URL: see isLibraryReference), and its URL is made for each answer from the CDN
 * base of that request (`//<PRODIMG_CDN_HOST>` or `//<the request's Host>/cdn`), so no server's own
 * address is ever baked into a row. Any other `src` (ingestion off) is stored and answered as sent.
 */
export interface WireContext {
  /** Where stored files are served for this request, without a trailing slash: `//cdn.example.com`. */
  cdnBase: string;
  /** Every base a `src` sent to this request may name our own CDN by (cdnBase first). */
  ownBases: readonly string[];
}

/** The `src` a client sees for a stored one. */
export function wireSrc(stored: string, context: WireContext): string {
  return isLibraryReference(stored) ? `${context.cdnBase}/${stored}` : stored;
}

export function imageJson(image: Image, context: WireContext): Image {
  return isLibraryReference(image.src) ? { ...image, src: wireSrc(image.src, context) } : image;
}

/**
 * A sent `src` under one of our own CDN bases, with or without a scheme, becomes what follows the base
 * (`<md5>.jpg`, `<md5>_400x.jpg`, `<md5>.jpg?width=400`): a reference into the library, which the
 * ingestor resolves against the blob store instead of downloading from ourselves. Anything else is
 * returned as sent.
 */
export function librarySrc(src: string, context: WireContext): string {
  const candidate = withoutScheme(src);
  for (const base of context.ownBases) {
    const prefix = `${withoutScheme(base)}/`;
    if (candidate.length > prefix.length && candidate.slice(0, prefix.length).toLowerCase() === prefix.toLowerCase()) {
      return candidate.slice(prefix.length);
    }
  }
  return src;
}

/** Applies librarySrc to the `src` of a read image (or product image entry), if it has one. */
export function withLibrarySrc<T extends { src?: string }>(image: T, context: WireContext | undefined): T {
  return context === undefined || image.src === undefined ? image : { ...image, src: librarySrc(image.src, context) };
}

const withoutScheme = (url: string) => url.replace(/^https?:/i, '');

/** A variant as the API shows it: the src of its image made for this request like an image's. */
export function variantJson(variant: Variant, context: WireContext): Variant {
  return variant.image && isLibraryReference(variant.image.src) ? { ...variant, image: { ...variant.image, src: wireSrc(variant.image.src, context) } } : variant;
}
