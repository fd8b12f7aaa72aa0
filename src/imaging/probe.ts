import sharp from 'sharp';
import { readJp2Header } from './jp2-header.js';
import { orientedSize } from './oriented-size.js';
import { SHARP_NAMES, sharpReads } from './sharp-reads.js';
import { describeContent, type SniffedFormat, sniffFormat } from './sniff.js';

export const DEFAULT_MAX_PIXELS = 50_000_000;

export interface ProbedImage {
  format: SniffedFormat;
  /** As displayed: EXIF orientation applied; for an animation, one frame. */
  width: number;
  height: number;
}

export type ProbeFailureReason =
  | { kind: 'unsupported'; got: string }
  | { kind: 'too-many-pixels'; maxPixels: number }
  | { kind: 'corrupt' };

export class ProbeFailure extends Error {
  constructor(readonly reason: ProbeFailureReason) {
    super(`image refused: ${JSON.stringify(reason)}`);
    this.name = 'ProbeFailure';
  }
}

/**
 * Decides whether downloaded bytes are an image we keep, and measures it. The size comes from the
 * header and is checked against `maxPixels` before any pixel is decoded (a 30000x30000 PNG is a few
 * hundred bytes); then the whole image is decoded once so a truncated or corrupt file is refused
 * now rather than breaking every later resize.
 */
export async function probeImage(bytes: Buffer, contentType: string | undefined, maxPixels = DEFAULT_MAX_PIXELS): Promise<ProbedImage> {
  const format = sniffFormat(bytes);
  if (format === null) throw new ProbeFailure({ kind: 'unsupported', got: describeContent(bytes, contentType) });
  const size = sharpReads(format.format) ? await measureWithSharp(bytes, format, maxPixels) : measureJp2(bytes, maxPixels);
  return { format, ...size };
}

async function measureWithSharp(bytes: Buffer, format: SniffedFormat, maxPixels: number) {
  // limitInputPixels is set on every call: sharp's own default (about 268 megapixels) is far too high.
  // failOn 'error' refuses truncated data but not the harmless warnings many real cameras trigger.
  const options: sharp.SharpOptions = { limitInputPixels: maxPixels, failOn: 'error', sequentialRead: true };
  const meta = await sharp(bytes, options).metadata().catch(refusal(maxPixels));
  const { width, height } = meta;
  if (!width || !height || meta.format !== SHARP_NAMES[format.format]) throw new ProbeFailure({ kind: 'corrupt' });
  if (width * height > maxPixels) throw new ProbeFailure({ kind: 'too-many-pixels', maxPixels });
  await decodeCheck(bytes, options, maxPixels);
  return orientedSize(width, height, meta.orientation);
}

/** libvips reports data that ends before the header's size is filled only as a warning. */
const ENDS_EARLY = /premature end|unexpected end|truncated/i;

/**
 * A small thumbnail still makes the decoder read every byte, without holding the full bitmap. Only the
 * first frame of an animation is decoded, matching the frame size reported above. The first pass fails
 * on warnings too, because a JPEG whose header claims 7000x7000 over a few hundred bytes decodes (into
 * grey) with only a warning; warnings that do not say the data ends early (many cameras write harmless
 * ones) get a second, tolerant pass.
 */
async function decodeCheck(bytes: Buffer, options: sharp.SharpOptions, maxPixels: number): Promise<void> {
  const thumbnail = (failOn: sharp.SharpOptions['failOn']) => sharp(bytes, { ...options, failOn }).resize(64, 64, { fit: 'inside' }).raw().toBuffer();
  try {
    await thumbnail('warning');
  } catch (error) {
    if (error instanceof Error && ENDS_EARLY.test(error.message)) throw new ProbeFailure({ kind: 'corrupt' });
    await thumbnail(options.failOn).catch(refusal(maxPixels));
  }
}

function measureJp2(bytes: Buffer, maxPixels: number) {
  // Without a decoder only the header and the end marker can be checked.
  const header = readJp2Header(bytes);
  if (header === null || !header.complete) throw new ProbeFailure({ kind: 'corrupt' });
  if (header.width * header.height > maxPixels) throw new ProbeFailure({ kind: 'too-many-pixels', maxPixels });
  return { width: header.width, height: header.height };
}

function refusal(maxPixels: number) {
  return (error: unknown): never => {
    const message = error instanceof Error ? error.message : '';
    if (message.includes('pixel limit')) throw new ProbeFailure({ kind: 'too-many-pixels', maxPixels });
    throw new ProbeFailure({ kind: 'corrupt' });
  };
}
