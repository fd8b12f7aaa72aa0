import sharp from 'sharp';
import { orientedSize } from './oriented-size.js';
import { sharpReads } from './sharp-reads.js';
import type { ImageFormat } from './sniff.js';
import { variantGeometry } from './variant-geometry.js';

export interface RenderRequest {
  width: number | undefined;
  height: number | undefined;
  crop: boolean;
  format: ImageFormat;
}

/** Makes variants. A port so tests can count renders and another engine could replace sharp. */
export interface ImageTransform {
  /** Whether this transform can decode `format` at all (sharp's prebuilt binaries lack JPEG 2000). */
  reads(format: ImageFormat): boolean;
  /** The variant's bytes, encoded in `request.format`. */
  render(bytes: Buffer, request: RenderRequest): Promise<Buffer>;
}

/**
 * sharp's process-wide settings, chosen for bounded memory rather than speed: no libvips operation
 * cache (it keeps decoded images between calls, hundreds of MiB after a burst of renders of one
 * large original), and one libvips thread per image (parallelism comes from the render and download
 * queues instead, each about the number of cores). Idempotent.
 */
export function configureSharp(): void {
  sharp.cache(false);
  sharp.concurrency(1);
}

/**
 * The sharp ImageTransform. EXIF orientation is applied first and the size worked out on the image as
 * displayed, so a portrait photo stored sideways gives a portrait variant. Only the first frame of an
 * animation is read (sharp's default), so a resized GIF is a still of its first frame: animated
 * resizing multiplies the work by the frame count and the platform's own CDN does not promise it.
 */
export function createSharpTransform(options: { maxPixels: number }): ImageTransform {
  // limitInputPixels on every call: sharp's own default (about 268 megapixels) is far too high.
  const input: sharp.SharpOptions = { limitInputPixels: options.maxPixels, failOn: 'error' };
  return {
    reads: sharpReads,

    async render(bytes, request) {
      const image = sharp(bytes, input);
      const meta = await image.metadata();
      if (!meta.width || !meta.height) throw new Error('expected an image with a width and a height, got none');
      const box = variantGeometry(orientedSize(meta.width, meta.height, meta.orientation), request);
      let pipeline = image.rotate();
      if (box !== null) pipeline = pipeline.resize(box.width, box.height, { fit: box.crop ? 'cover' : 'fill', position: 'centre' });
      // JPEG has no alpha; without this transparent pixels turn black, wrong for product shots on white pages.
      if (request.format === 'jpeg') pipeline = pipeline.flatten({ background: '#ffffff' });
      return pipeline.toFormat(request.format).toBuffer();
    },
  };
}
