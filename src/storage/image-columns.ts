/** The image columns in API field order, so rows come out ready to serialise. */
export const IMAGE_COLUMNS = [
  'id',
  'product_id',
  'position',
  'src',
  'path',
  'width',
  'height',
  'alt',
  'created_at',
  'updated_at',
] as const;
