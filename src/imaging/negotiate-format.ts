import type { ImageFormat } from './sniff.js';
import type { RequestedFormat } from './variant-spec.js';

export interface NegotiatedFormat {
  format: ImageFormat;
  /** The answer depends on the Accept header, so caches must key on it (`Vary: Accept`). */
  vary: boolean;
}

/**
 * The format to answer in. No format means the original's; `auto` takes the smallest one the
 * client names in Accept (AVIF, then WebP), else the original's. When the original cannot be
 * decoded (`convertible` false, JPEG 2000 without a codec) `auto` keeps the original rather than fail.
 */
export function negotiateFormat(
  requested: RequestedFormat | undefined,
  accept: string | undefined,
  source: ImageFormat,
  convertible: boolean,
): NegotiatedFormat {
  if (requested === undefined) return { format: source, vary: false };
  if (requested !== 'auto') return { format: requested, vary: false };
  if (!convertible) return { format: source, vary: true };
  if (acceptsMediaType(accept, 'image/avif')) return { format: 'avif', vary: true };
  if (acceptsMediaType(accept, 'image/webp')) return { format: 'webp', vary: true };
  return { format: source, vary: true };
}

/**
 * Whether Accept names `type` explicitly with a non-zero quality. Wildcards do not count: curl and
 * old browsers send `*\/*` and cannot all decode AVIF, while every browser that can names it.
 */
export function acceptsMediaType(accept: string | undefined, type: string): boolean {
  if (accept === undefined) return false;
  for (const entry of accept.split(',')) {
    const [name = '', ...params] = entry.split(';').map((part) => part.trim());
    if (name.toLowerCase() !== type) continue;
    const q = params.find((param) => /^q\s*=/i.test(param));
    if (q === undefined) return true;
    const quality = Number(q.replace(/^q\s*=\s*/i, ''));
    if (Number.isFinite(quality) && quality > 0) return true;
  }
  return false;
}
