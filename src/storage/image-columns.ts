import { IMAGE_FIELDS, type Image, type NewImage } from '../domain/entities.js';

/** The image columns: the image's fields in API order, so rows come out ready to serialise. */
export const IMAGE_COLUMNS = IMAGE_FIELDS;

/** A new image row, its fields in the same API order: `id` (a fresh one), created and updated `now`. */
export function newImageRow(id: string, productId: string, position: number, image: NewImage & { path?: string }, now: string): Image {
  return {
    id,
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
