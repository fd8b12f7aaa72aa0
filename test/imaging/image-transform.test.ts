import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createSharpTransform, type RenderRequest } from '../../src/imaging/image-transform.js';
import { makeAnimatedGif, makeJpeg } from './fixtures/images.js';

const transform = createSharpTransform({ maxPixels: 50_000_000 });
const request = (rest: Partial<RenderRequest>): RenderRequest => ({ width: undefined, height: undefined, crop: false, format: 'jpeg', ...rest });

/** Three vertical bands, red | green | blue, so a crop shows which part it kept. */
async function bands(width: number, height: number): Promise<Buffer> {
  const band = (colour: string) => sharp({ create: { width: width / 3, height, channels: 3, background: colour } }).png().toBuffer();
  const [red, green, blue] = await Promise.all(['#f00', '#0f0', '#00f'].map(band));
  return sharp({ create: { width, height, channels: 3, background: '#000' } })
    .composite([
      { input: red!, left: 0, top: 0 },
      { input: green!, left: width / 3, top: 0 },
      { input: blue!, left: (2 * width) / 3, top: 0 },
    ])
    .jpeg({ quality: 95 })
    .toBuffer();
}

async function pixel(image: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [...data.subarray(at, at + 3)];
}

const near = (actual: number[], expected: number[]) => actual.every((value, i) => Math.abs(value - (expected[i] ?? 0)) < 40);

describe('sharp ImageTransform', () => {
  it('reads what this sharp build decodes, and not JPEG 2000', () => {
    expect((['jpeg', 'png', 'webp', 'gif', 'avif'] as const).map((f) => transform.reads(f))).toEqual([true, true, true, true, true]);
    expect(transform.reads('jp2')).toBe(false);
  });

  it.each([
    [{ width: 400 }, 'jpeg', 400, 267],
    [{ height: 200 }, 'png', 300, 200],
    [{ width: 400, height: 400 }, 'webp', 400, 267],
    [{ width: 400, height: 400, crop: true }, 'avif', 400, 400],
    [{ width: 2400 }, 'jpeg', 1200, 800],
    [{}, 'webp', 1200, 800],
  ] as const)('%j as %s is %ix%i', async (size, format, width, height) => {
    const output = await transform.render(await makeJpeg(1200, 800), request({ ...size, format }));
    const meta = await sharp(output).metadata();
    expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({ format: format === 'avif' ? 'heif' : format, width, height });
    if (format === 'avif') expect(meta.compression).toBe('av1');
  });

  it('crop keeps the centre', async () => {
    const output = await transform.render(await bands(1200, 400), request({ width: 400, height: 400, crop: true }));
    // A few pixels in from the edges: JPEG chroma subsampling blurs colour across the band borders.
    for (const [x, y] of [[8, 8], [200, 200], [391, 391]] as const) expect(near(await pixel(output, x, y), [0, 255, 0]), `${x},${y}`).toBe(true);
  });

  it('without crop both sides fit inside and all of the image stays', async () => {
    const output = await transform.render(await bands(1200, 400), request({ width: 400, height: 400 }));
    expect(await sharp(output).metadata()).toMatchObject({ width: 400, height: 133 });
    expect(near(await pixel(output, 5, 60), [255, 0, 0])).toBe(true);
    expect(near(await pixel(output, 394, 60), [0, 0, 255])).toBe(true);
  });

  it('applies EXIF orientation: a photo stored 600x300 with orientation 6 gives a portrait variant', async () => {
    const rotated = await sharp({ create: { width: 600, height: 300, channels: 3, background: '#36c' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const output = await transform.render(rotated, request({ width: 200 }));
    const meta = await sharp(output).metadata();
    expect({ width: meta.width, height: meta.height, orientation: meta.orientation }).toEqual({ width: 200, height: 400, orientation: undefined });
  });

  it('flattens transparency onto white for JPEG', async () => {
    const transparent = await sharp({ create: { width: 100, height: 100, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const output = await transform.render(transparent, request({ format: 'jpeg' }));
    expect(near(await pixel(output, 50, 50), [255, 255, 255])).toBe(true);
  });

  it('animated GIF: the variant is the first frame only', async () => {
    const output = await transform.render(await makeAnimatedGif(), request({ width: 20, format: 'gif' }));
    const meta = await sharp(output, { animated: true }).metadata();
    expect({ format: meta.format, width: meta.width, height: meta.height, pages: meta.pages ?? 1 }).toEqual({ format: 'gif', width: 20, height: 10, pages: 1 });
  });

  it('refuses an original over the pixel limit before decoding it', async () => {
    const small = createSharpTransform({ maxPixels: 1200 * 800 - 1 });
    await expect(small.render(await makeJpeg(1200, 800), request({ width: 400 }))).rejects.toThrow(/pixel limit/);
  });
});
