import { describe, expect, it } from 'vitest';
import { variantGeometry } from '../../src/imaging/variant-geometry.js';

const box = (width: number, height: number, crop = false) => ({ width, height, crop });

describe('variantGeometry', () => {
  it.each([
    // source, wanted width, wanted height, crop -> output
    ['nothing asked', [1200, 800], undefined, undefined, false, null],
    ['width only', [1200, 800], 400, undefined, false, box(400, 267)],
    ['height only', [1200, 800], undefined, 400, false, box(600, 400)],
    ['width only, crop ignored', [1200, 800], 400, undefined, true, box(400, 267)],
    ['both, width limits', [1200, 800], 400, 400, false, box(400, 267)],
    ['both, height limits', [800, 1200], 400, 400, false, box(267, 400)],
    ['both, exact aspect', [1200, 800], 600, 400, false, box(600, 400)],
    ['crop to the box', [1200, 800], 400, 400, true, box(400, 400, true)],
    ['crop to a wider box', [1200, 800], 800, 200, true, box(800, 200, true)],
    ['no upscaling: width larger than the source', [300, 200], 800, undefined, false, box(300, 200)],
    ['no upscaling: height larger than the source', [300, 200], undefined, 800, false, box(300, 200)],
    ['no upscaling: both larger', [300, 200], 800, 800, false, box(300, 200)],
    ['no upscaling: crop larger than the source keeps the aspect ratio at source scale', [300, 200], 800, 800, true, box(200, 200, true)],
    ['no upscaling: crop box wider than a tall source', [500, 1000], 800, 300, true, box(500, 188, true)],
    ['no upscaling: crop box taller than a wide source', [1000, 500], 300, 800, true, box(188, 500, true)],
    ['never 0 pixels: a long thin banner', [4000, 3], 100, undefined, false, box(100, 1)],
    ['never 0 pixels: a tall thin strip', [3, 4000], undefined, 100, false, box(1, 100)],
    ['one-pixel source', [1, 1], 100, 100, true, box(1, 1, true)],
  ] as const)('%s', (_why, [width, height], wantedWidth, wantedHeight, crop, expected) => {
    expect(variantGeometry({ width, height }, { width: wantedWidth, height: wantedHeight, crop })).toEqual(expected);
  });

  it('never exceeds the source on either side, over many shapes and presets', () => {
    const presets = [undefined, 1, 7, 100, 333, 800, 2048];
    for (const [sw, sh] of [[1, 1], [640, 480], [480, 640], [4000, 3], [3, 4000], [999, 1001]] as const) {
      for (const width of presets) {
        for (const height of presets) {
          for (const crop of [false, true]) {
            const out = variantGeometry({ width: sw, height: sh }, { width, height, crop });
            if (out === null) continue;
            expect(out.width).toBeGreaterThanOrEqual(1);
            expect(out.height).toBeGreaterThanOrEqual(1);
            expect(out.width).toBeLessThanOrEqual(sw);
            expect(out.height).toBeLessThanOrEqual(sh);
            // Within what rounding to whole pixels allows, the shape is the source's, or the box's when cropping.
            const [rw, rh] = out.crop ? [width ?? 0, height ?? 0] : [sw, sh];
            expect(Math.abs(out.width * rh - out.height * rw)).toBeLessThanOrEqual(Math.max(rw, rh));
          }
        }
      }
    }
  });
});
