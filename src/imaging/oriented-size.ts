/**
 * The size an image is displayed at once its EXIF orientation is applied. Orientations 5 to 8
 * rotate by a quarter turn, so width and height trade places; anything else (absent, 1 to 4, or an
 * out-of-range value a viewer would ignore) keeps the stored size.
 */
export function orientedSize(width: number, height: number, orientation: number | undefined): { width: number; height: number } {
  const quarterTurn = orientation !== undefined && orientation >= 5 && orientation <= 8;
  return quarterTurn ? { width: height, height: width } : { width, height };
}
