import type { Image, Variant } from '../../domain/entities.js';
import type { AuditProblem } from '../../domain/image-audit.js';
import { isBlobName } from '../../imaging/blob-store.js';
import type { BlobStore } from '../../imaging/blob-store.js';

/** One image as the admin page shows it: the record and the facts of its stored file. */
export interface GalleryImage {
  id: string;
  position: number;
  alt: string;
  width: number;
  height: number;
  /** Where the full file is (our CDN's URL, or the external URL kept as sent). */
  src: string;
  /** A small variant from our CDN; the external URL itself when the file is not ours. */
  thumbnail: string;
  /** Null when the file is not in the library (ingestion off). */
  bytes: number | null;
  format: string | null;
  variant_ids: string[];
  /** What the image audit finds wrong with it. */
  problems: GalleryProblem[];
}

/** An audit problem as the page shows it. */
export type GalleryProblem = Pick<AuditProblem, 'code' | 'severity' | 'message' | 'fix'>;

export const galleryProblem = ({ code, severity, message, fix }: AuditProblem): GalleryProblem => ({ code, severity, message, fix });

/** The width thumbnails are asked at: the smallest configured variant size at least this wide. */
const THUMBNAIL_WIDTH = 160;

export function thumbnailSize(sizes: readonly number[]): number | null {
  return sizes.find((size) => size >= THUMBNAIL_WIDTH) ?? sizes[sizes.length - 1] ?? null;
}

/** The gallery in position order, with each stored file's size read from the store. */
export async function galleryOf(
  images: readonly Image[],
  variants: readonly Variant[],
  problems: readonly AuditProblem[],
  use: { blobs: BlobStore; cdnBase: string; sizes: readonly number[] },
): Promise<GalleryImage[]> {
  const size = thumbnailSize(use.sizes);
  const sorted = [...images].sort((a, b) => a.position - b.position);
  return Promise.all(
    sorted.map(async (image) => {
      const ours = isBlobName(image.path) && image.src === image.path;
      const ext = ours ? image.path.slice(image.path.lastIndexOf('.') + 1) : null;
      const stream = ours ? await use.blobs.stream(image.path) : null;
      // Only its size is wanted: a file stream is closed unread (an in-memory one is never made).
      if (stream && !stream.bytes) stream.body.destroy();
      const src = ours ? `${use.cdnBase}/${image.path}` : image.src;
      return {
        id: image.id,
        position: image.position,
        alt: image.alt,
        width: image.width,
        height: image.height,
        src,
        thumbnail: ours && size !== null ? `${use.cdnBase}/${image.path.replace(/\.[a-z0-9]+$/, `_${size}x.${ext}`)}` : src,
        bytes: stream?.size ?? null,
        format: ext,
        variant_ids: variants.filter((variant) => variant.image_id === image.id).map((variant) => variant.id),
        problems: problems.filter((problem) => problem.image_id === image.id).map(galleryProblem),
      };
    }),
  );
}
