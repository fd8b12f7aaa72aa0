export interface Size {
  width: number;
  height: number;
}

export interface WantedSize {
  width: number | undefined;
  height: number | undefined;
  crop: boolean;
}

export interface VariantBox extends Size {
  /** Cover the box and cut the overflow evenly; otherwise the box already has the image's aspect ratio. */
  crop: boolean;
}

/**
 * The exact output size of a variant of an image displayed at `source`, or null when nothing is to be
 * resized. Never larger than the source on either side: a preset bigger than the original gives the
 * original's size, and a crop bigger than it keeps the asked aspect ratio at the original's scale (the
 * largest such box that fits) rather than upscale. One side given, or both without crop: the image's
 * own aspect ratio, fitted inside. Worked out here rather than by sharp so the sizes are table tested.
 */
export function variantGeometry(source: Size, wanted: WantedSize): VariantBox | null {
  const { width, height } = wanted;
  if (width === undefined && height === undefined) return null;
  if (width === undefined) return byHeight(source, height ?? source.height);
  if (height === undefined) return byWidth(source, width);
  if (!wanted.crop) {
    // Integer cross-multiplication: width/W <= height/H without floating point.
    return width * source.height <= height * source.width ? byWidth(source, width) : byHeight(source, height);
  }
  if (width <= source.width && height <= source.height) return { width, height, crop: true };
  return source.width * height <= source.height * width
    ? { width: source.width, height: scaled(height, source.width, width), crop: true }
    : { width: scaled(width, source.height, height), height: source.height, crop: true };
}

function byWidth(source: Size, wanted: number): VariantBox {
  const width = Math.min(wanted, source.width);
  return { width, height: scaled(source.height, width, source.width), crop: false };
}

function byHeight(source: Size, wanted: number): VariantBox {
  const height = Math.min(wanted, source.height);
  return { width: scaled(source.width, height, source.height), height, crop: false };
}

/** `value * numerator / denominator`, rounded, and never 0: a 4000x3 banner still gives a 1-pixel-high variant. */
function scaled(value: number, numerator: number, denominator: number): number {
  return Math.max(1, Math.round((value * numerator) / denominator));
}
