import { randomUUID } from 'node:crypto';
import type { Image, NewImage } from '../domain/entities.js';

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

/** A new image row, its fields in the same API order: a fresh id, created and updated `now`. */
export function newImageRow(productId: string, position: number, image: NewImage & { path?: string }, now: string): Image {
  return {
    id: randomUUID(),
    product_id: productId,
    position,
    src: image.src,
    path: image.path ?? '',
    width: image.width,
    height: image.height,
    alt: image.alt,
    created_at: now,
    updated_at: now,
  };
}
