export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'jp2';

export interface SniffedFormat {
  format: ImageFormat;
  /** The extension our stored file names use. */
  ext: 'jpg' | 'png' | 'webp' | 'gif' | 'avif' | 'jp2';
  mime: string;
}

export const FORMATS: Readonly<Record<ImageFormat, SniffedFormat>> = {
  jpeg: { format: 'jpeg', ext: 'jpg', mime: 'image/jpeg' },
  png: { format: 'png', ext: 'png', mime: 'image/png' },
  webp: { format: 'webp', ext: 'webp', mime: 'image/webp' },
  gif: { format: 'gif', ext: 'gif', mime: 'image/gif' },
  avif: { format: 'avif', ext: 'avif', mime: 'image/avif' },
  jp2: { format: 'jp2', ext: 'jp2', mime: 'image/jp2' },
};

const JP2_SIGNATURE_BOX = [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a];
/** SOC then SIZ: every raw JPEG 2000 codestream starts this way. */
export const J2K_CODESTREAM_START = [0xff, 0x4f, 0xff, 0x51];

/**
 * The image format from the file's own first bytes. The Content-Type header and the URL's extension
 * are never trusted: an origin can claim anything, and the stored name's extension comes from here.
 */
export function sniffFormat(bytes: Uint8Array): SniffedFormat | null {
  if (has(bytes, 0, [0xff, 0xd8, 0xff])) return FORMATS.jpeg;
  if (has(bytes, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return FORMATS.png;
  if (has(bytes, 0, 'GIF87a') || has(bytes, 0, 'GIF89a')) return FORMATS.gif;
  if (has(bytes, 0, 'RIFF') && has(bytes, 8, 'WEBP')) return FORMATS.webp;
  if (ftypBrands(bytes).some((brand) => brand === 'avif' || brand === 'avis')) return FORMATS.avif;
  if (has(bytes, 0, JP2_SIGNATURE_BOX) || has(bytes, 0, J2K_CODESTREAM_START)) return FORMATS.jp2;
  return null;
}

/**
 * A short, safe description of what came back instead of an image, for the refusal message. The
 * bytes decide first (an origin serving HTML as image/png is common); the header is the fallback,
 * and only when it is a well-formed media type, so nothing odd is echoed back to the client.
 */
export function describeContent(bytes: Uint8Array, contentType: string | undefined): string {
  if (bytes.length === 0) return 'empty body';
  const known = describeBytes(bytes);
  if (known !== null) return known;
  const declared = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (/^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/.test(declared)) {
    return declared.startsWith('image/') ? `unrecognised data served as ${declared}` : declared;
  }
  return 'unrecognised data';
}

function describeBytes(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1').toLowerCase();
  const text = head.replace(/^(\xef\xbb\xbf)?\s*/, '');
  if (text.startsWith('<svg') || (/^<(\?xml|!--|!doctype svg)/.test(text) && head.includes('<svg'))) return 'image/svg+xml';
  if (/^<(!doctype html|html|head|body|!--)/.test(text) || head.includes('<html')) return 'text/html';
  if (text.startsWith('<?xml')) return 'application/xml';
  if (has(bytes, 0, '%PDF-')) return 'application/pdf';
  if (has(bytes, 0, [0x49, 0x49, 0x2a, 0x00]) || has(bytes, 0, [0x4d, 0x4d, 0x00, 0x2a])) return 'image/tiff';
  if (has(bytes, 0, 'BM')) return 'image/bmp';
  if (has(bytes, 0, [0x00, 0x00, 0x01, 0x00])) return 'image/x-icon';
  if (ftypBrands(bytes).some((brand) => /^(heic|heix|heim|heis|mif1|msf1)$/.test(brand))) return 'image/heic';
  if (has(bytes, 0, [0x50, 0x4b, 0x03, 0x04])) return 'application/zip';
  if (has(bytes, 0, [0x1f, 0x8b])) return 'application/gzip';
  return null;
}

/** The major and compatible brands of an ISO-BMFF `ftyp` box at the start of the file. */
function ftypBrands(bytes: Uint8Array): string[] {
  if (bytes.length < 16 || !has(bytes, 4, 'ftyp')) return [];
  const size = Math.min(Buffer.from(bytes.buffer, bytes.byteOffset, 4).readUInt32BE(0), bytes.length);
  const brands = [latin1(bytes, 8, 12)];
  for (let at = 16; at + 4 <= size; at += 4) brands.push(latin1(bytes, at, at + 4));
  return brands;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.subarray(start, end)).toString('latin1');
}

function has(bytes: Uint8Array, offset: number, signature: string | number[]): boolean {
  const expected = typeof signature === 'string' ? Buffer.from(signature, 'latin1') : signature;
  if (bytes.length < offset + expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[offset + i] !== expected[i]) return false;
  return true;
}
