import type { Image, ProductWithImages, Variant } from '../../domain/entities.js';
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

/** A problem of the store-wide audit, saying which product and which of its images, so the list reads without opening each. */
export interface StoreAuditEntry extends GalleryProblem {
  product_id: string;
  /** Null when the product went between the audit and this answer. */
  product_title: string | null;
  /** Null for a product's own problem (positions, a variant's missing image). */
  image_id: string | null;
  image_position: number | null;
  /** The image's thumbnail, or for a product's own problem its first image's; null when there is none. */
  thumbnail: string | null;
}

/** The store audit's listed problems with their products' facts, each product read once, after the audit. */
export async function storeAuditEntries(
  problems: readonly AuditProblem[],
  readProduct: (id: string) => Promise<ProductWithImages | null>,
  use: { cdnBase: string; sizes: readonly number[] },
): Promise<StoreAuditEntry[]> {
  const products = new Map<string, ProductWithImages | null>();
  for (const { product_id: id } of problems) if (!products.has(id)) products.set(id, await readProduct(id));
  return problems.map((problem) => storeAuditEntry(problem, products.get(problem.product_id) ?? null, use));
}

/** `problem` with the facts of its product as read now (null when it is gone). */
export function storeAuditEntry(problem: AuditProblem, product: ProductWithImages | null, use: { cdnBase: string; sizes: readonly number[] }): StoreAuditEntry {
  const images = [...(product?.images ?? [])].sort((a, b) => a.position - b.position);
  const image = problem.image_id === null ? undefined : images.find((candidate) => candidate.id === problem.image_id);
  const pictured = problem.image_id === null ? images[0] : image;
  return {
    product_id: problem.product_id,
    product_title: product?.title ?? null,
    image_id: problem.image_id,
    image_position: image?.position ?? null,
    thumbnail: pictured ? thumbnailOf(pictured, use.cdnBase, thumbnailSize(use.sizes)) : null,
    ...galleryProblem(problem),
  };
}

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
      const ours = isOurs(image);
      const stream = ours ? await use.blobs.stream(image.path) : null;
      // Only its size is wanted: a file stream is closed unread (an in-memory one is never made).
      if (stream && !stream.bytes) stream.body.destroy();
      return {
        id: image.id,
        position: image.position,
        alt: image.alt,
        width: image.width,
        height: image.height,
        src: fullSize(image, use.cdnBase),
        thumbnail: thumbnailOf(image, use.cdnBase, size),
        bytes: stream?.size ?? null,
        format: ours ? extension(image.path) : null,
        variant_ids: variants.filter((variant) => variant.image_id === image.id).map((variant) => variant.id),
        problems: problems.filter((problem) => problem.image_id === image.id).map(galleryProblem),
      };
    }),
  );
}

/** The file is in our library (not an external URL kept as sent). */
function isOurs(image: Image): boolean {
  return isBlobName(image.path) && image.src === image.path;
}

function extension(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}

/** Our CDN's URL of the file, or the external URL kept as sent. */
function fullSize(image: Image, cdnBase: string): string {
  return isOurs(image) ? `${cdnBase}/${image.path}` : image.src;
}

/** A small variant from our CDN; the external URL itself when the file is not ours. */
function thumbnailOf(image: Image, cdnBase: string, size: number | null): string {
  if (!isOurs(image) || size === null) return fullSize(image, cdnBase);
  return `${cdnBase}/${image.path.replace(/\.[a-z0-9]+$/, `_${size}x.${extension(image.path)}`)}`;
}
