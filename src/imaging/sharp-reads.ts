import sharp from 'sharp';
import type { ImageFormat } from './sniff.js';

/** sharp's name for each format, as `metadata().format` reports it and `sharp.format` lists it. */
export const SHARP_NAMES: Readonly<Record<ImageFormat, string>> = { jpeg: 'jpeg', png: 'png', webp: 'webp', gif: 'gif', avif: 'heif', jp2: 'jp2k' };

/** Whether this sharp build can decode `format` from a buffer: the prebuilt binaries lack JPEG 2000. */
export function sharpReads(format: ImageFormat): boolean {
  const support = (sharp.format as unknown as Record<string, { input?: { buffer?: boolean } } | undefined>)[SHARP_NAMES[format]];
  return support?.input?.buffer === true;
}
