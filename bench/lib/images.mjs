// Test JPEGs made with sharp: smooth colour gradients plus a little noise, so they compress like
// photos (a flat colour would be a few kilobytes, pure noise far larger than a real product shot).
import sharp from 'sharp';

/** A JPEG of about `megapixels` at 4:3; `seed` makes the bytes (and so the md5) differ. */
export async function makeJpeg(megapixels, seed = 0) {
  const width = Math.round(Math.sqrt((megapixels * 1e6 * 4) / 3));
  const height = Math.round((width * 3) / 4);
  const pixels = Buffer.allocUnsafe(width * height * 3);
  let noise = (seed + 1) * 2654435761;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      noise = (noise * 1103515245 + 12345) >>> 0;
      const jitter = (noise >>> 27) - 16;
      pixels[i++] = clamp(((x * 255) / width + seed * 37) % 256 + jitter);
      pixels[i++] = clamp(((y * 255) / height + seed * 11) % 256 + jitter);
      pixels[i++] = clamp((((x + y) * 127) / width + seed * 53) % 256 - jitter);
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}

function clamp(value) {
  return value < 0 ? 0 : value > 255 ? 255 : value;
}
