import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ProbeFailure, type ProbeFailureReason, probeImage } from '../../src/imaging/probe.js';
import { htmlPage, jp2File, jpegClaiming7000Square, jpegMagicThenGarbage, pixelBombPng, svgImage, truncatedJpeg, truncatedPng } from './fixtures/hostile.js';
import { makeAnimatedGif, makeAvif, makeCmykJpeg, makeGif, makeJpeg, makePng, makeRotatedJpeg, makeWebp } from './fixtures/images.js';

// sharp's typings call it `jp2`; at run time the entry is `jp2k`.
const jp2k = (sharp.format as unknown as Record<string, sharp.AvailableFormatInfo | undefined>).jp2k;
const sharpWritesJp2 = jp2k?.output.buffer === true;

async function refusalOf(promise: Promise<unknown>): Promise<ProbeFailureReason> {
  const error = await promise.then(
    () => new Error('expected the image to be refused'),
    (e: unknown) => e,
  );
  if (!(error instanceof ProbeFailure)) throw error;
  return error.reason;
}

describe('probeImage', () => {
  it.each([
    ['JPEG', makeJpeg, 'jpg', 40, 20],
    ['PNG', makePng, 'png', 40, 20],
    ['WebP', makeWebp, 'webp', 40, 20],
    ['GIF', makeGif, 'gif', 40, 20],
    ['AVIF', makeAvif, 'avif', 40, 20],
    ['CMYK JPEG', makeCmykJpeg, 'jpg', 40, 20],
    ['JPEG with EXIF orientation 6 (stored 40x20)', makeRotatedJpeg, 'jpg', 20, 40],
    ['animated GIF of three 40x20 frames (frame size, not the stacked 40x60)', makeAnimatedGif, 'gif', 40, 20],
  ] as const)('measures a %s', async (_what, make, ext, width, height) => {
    const probed = await probeImage(await make(), undefined);
    expect({ ext: probed.format.ext, width: probed.width, height: probed.height }).toEqual({ ext, width, height });
  });

  it('measures a JP2 file from its header (this sharp build has no JPEG 2000 decoder)', async () => {
    const probed = await probeImage(jp2File({ width: 640, height: 480 }), 'image/jp2');
    expect({ ext: probed.format.ext, width: probed.width, height: probed.height }).toEqual({ ext: 'jp2', width: 640, height: 480 });
  });

  it.skipIf(!sharpWritesJp2)(
    'measures a JPEG 2000 file written by sharp (skipped because prebuilt sharp has no JPEG 2000 codec)',
    async () => {
      const file = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#c33' } }).jp2().toBuffer();
      expect(await probeImage(file, undefined)).toMatchObject({ width: 40, height: 20 });
    },
  );

  describe('refusals', () => {
    it('pixel bomb: refuses a PNG claiming 30000x30000 from its header, without decoding it', async () => {
      const started = Date.now();
      expect(await refusalOf(probeImage(pixelBombPng(), 'image/png'))).toEqual({ kind: 'too-many-pixels', maxPixels: 50_000_000 });
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('refuses one pixel over a configured limit and accepts exactly the limit', async () => {
      const image = await makePng(40, 20);
      expect(await refusalOf(probeImage(image, undefined, 799))).toEqual({ kind: 'too-many-pixels', maxPixels: 799 });
      expect(await probeImage(image, undefined, 800)).toMatchObject({ width: 40, height: 20 });
    });

    it('pixel bomb in JPEG 2000: refuses a header over the limit', async () => {
      expect(await refusalOf(probeImage(jp2File({ width: 30000, height: 30000 }), undefined))).toEqual({
        kind: 'too-many-pixels',
        maxPixels: 50_000_000,
      });
    });

    it.each([
      ['a truncated JPEG', truncatedJpeg],
      ['a truncated PNG', truncatedPng],
      ['a JPEG claiming 7000x7000 over a few hundred bytes (libvips only warns)', jpegClaiming7000Square],
      ['a JPEG signature followed by garbage', async () => jpegMagicThenGarbage()],
      ['a JP2 file without its end marker', async () => jp2File({ complete: false })],
      ['a JP2 file cut inside its header', async () => jp2File().subarray(0, 40)],
    ])('refuses %s as corrupt', async (_what, make) => {
      expect(await refusalOf(probeImage(await make(), undefined))).toEqual({ kind: 'corrupt' });
    });

    it.each([
      ['HTML served as image/png', htmlPage, 'image/png', 'text/html'],
      ['SVG', svgImage, 'image/svg+xml', 'image/svg+xml'],
      ['an empty body', Buffer.alloc(0), 'image/jpeg', 'empty body'],
    ])('refuses %s as unsupported', async (_what, file, contentType, got) => {
      expect(await refusalOf(probeImage(file, contentType))).toEqual({ kind: 'unsupported', got });
    });
  });
});
