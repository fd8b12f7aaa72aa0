import type { Image } from './entities.js';

/**
 * The image audit's rules: pure functions over one product's rows and what was learnt of their files,
 * so they can be table-tested. Each code's severity and fix are written once, in AUDIT_RULES; the
 * storage reader and the file reads that feed them live in storage/audit-reader.ts and
 * imaging/file-facts.ts, the walk over a store in audit/run-audit.ts.
 */

export type AuditSeverity = 'error' | 'warning';

/** Every code the audit reports, with its severity and the one-line fix shown beside it. */
export const AUDIT_RULES = {
  missing_alt: { severity: 'error', fix: 'Write alt text that says what the image shows.' },
  poor_alt: { severity: 'warning', fix: 'Replace the alt text with words that describe this image.' },
  missing_file: { severity: 'error', fix: 'Upload the image again (or delete it): its file cannot be read.' },
  dimensions_mismatch: { severity: 'error', fix: 'Run prodimg audit --fix dimensions to store the size measured from the file.' },
  too_small: { severity: 'warning', fix: 'Upload a larger original, so zoom has pixels to show.' },
  too_heavy: { severity: 'warning', fix: 'Upload a smaller export: the CDN never needs more than this.' },
  duplicate_file: { severity: 'warning', fix: 'Delete the repeated image: the product already shows this file.' },
  aspect_ratio: { severity: 'warning', fix: "Crop the image to the shape of the product's other images." },
  variant_image_missing: { severity: 'error', fix: 'Link the variant to one of the product\'s images, or unlink it (image_id "").' },
  positions: { severity: 'error', fix: 'Run prodimg audit --fix positions to renumber them 1..n in their current order.' },
} as const satisfies Record<string, { severity: AuditSeverity; fix: string }>;

export type AuditCode = keyof typeof AUDIT_RULES;
export const AUDIT_CODES = Object.keys(AUDIT_RULES) as AuditCode[];

/** The fixes `prodimg audit --fix` may make, each for the code named beside it. */
export const AUDIT_FIXES = { dimensions: 'dimensions_mismatch', positions: 'positions' } as const satisfies Record<string, AuditCode>;
export type AuditFix = keyof typeof AUDIT_FIXES;

/** One problem found: `image_id` is null for a product's own problems (positions, variant_image_missing). */
export interface AuditProblem {
  /** The store's subdomain. */
  shop: string;
  product_id: string;
  image_id: string | null;
  code: AuditCode;
  severity: AuditSeverity;
  message: string;
  fix: string;
  /** True when `--fix` repaired it in this run (then it does not count towards the exit code). */
  fixed: boolean;
}

/** A problem before it is placed in a store and a product. */
export interface Finding {
  image_id: string | null;
  code: AuditCode;
  message: string;
}

/** The shortest side under which an image is too small for zoom; PRODIMG_AUDIT_MIN_SIDE and --min-side change it. */
export const DEFAULT_MIN_SIDE = 800;
/** Beyond either, a file is heavier than any page needs (the CDN serves at most 2048 px). */
export const TOO_HEAVY = { megapixels: 20, bytes: 5 * 1024 * 1024 } as const;
/**
 * An image's aspect ratio (width / height) is unlike the others when it differs from the product's
 * most common ratio by more than this fraction of that ratio; only for products of at least
 * ASPECT_MIN_IMAGES images of known size, as with two there is no "most common".
 */
export const ASPECT_TOLERANCE = 0.1;
export const ASPECT_MIN_IMAGES = 3;

/**
 * What was learnt of an image's file. `not-checked`: an external URL (ingestion off) that the audit
 * was not asked to fetch; `hash` is the md5 of the bytes (a stored name's own first part).
 */
export type FileFacts =
  | { kind: 'read'; bytes: number; width: number; height: number; hash: string }
  | { kind: 'missing' }
  | { kind: 'unreadable'; reason: string }
  | { kind: 'not-checked' };

export interface AuditedImage {
  image: Image;
  file: FileFacts;
}

/** A variant that names an image: its id and the image id it names. */
export interface LinkedVariant {
  id: string;
  image_id: string;
}

export interface AuditedProduct {
  id: string;
  title: string;
  images: readonly AuditedImage[];
  variants: readonly LinkedVariant[];
}

/** A camera's, a phone's or an export's name: `IMG_1234.jpg`, `photo-2.png`, `DSC0001`, `Screenshot 2024-01-02 at 10.11.12`, a hash. */
const FILE_NAME = /^(?:[\w.() -]*\.(?:jpe?g|png|webp|gif|avif|jp2|heic|tiff?|bmp)|(?:img|dsc|dscn|dcim|pxl|photo|image|picture|pic|screenshot|untitled)[\s_-]*[\d\s_().:-]*(?:at[\d\s_().:-]+)?|[0-9a-f]{16,}|[\d\s_-]+)$/i;

const fold = (text: string) => text.trim().replace(/\s+/g, ' ').toLowerCase();

export function checkAlt(image: Image, productTitle: string): Finding | null {
  const alt = image.alt.trim();
  if (alt === '') return { image_id: image.id, code: 'missing_alt', message: 'The image has no alt text.' };
  if (FILE_NAME.test(alt)) return { image_id: image.id, code: 'poor_alt', message: `The alt text "${short(alt)}" is a file name.` };
  if (fold(alt) === fold(productTitle)) return { image_id: image.id, code: 'poor_alt', message: 'The alt text only repeats the product title.' };
  return null;
}

export function checkFile({ image, file }: AuditedImage): Finding | null {
  if (file.kind === 'missing') return { image_id: image.id, code: 'missing_file', message: `The file ${short(image.path)} is not in the image library.` };
  if (file.kind === 'unreadable') return { image_id: image.id, code: 'missing_file', message: `The file ${short(image.path)} cannot be read: ${file.reason}.` };
  return null;
}

export function checkDimensions({ image, file }: AuditedImage): Finding | null {
  if (file.kind !== 'read' || (file.width === image.width && file.height === image.height)) return null;
  return {
    image_id: image.id,
    code: 'dimensions_mismatch',
    message: `Stored as ${image.width}x${image.height}, the file is ${file.width}x${file.height}.`,
  };
}

/**
 * The size the size rules judge: the file's when it was read, else the stored one when both sides
 * are known (an external image not fetched), else none.
 */
export function knownSize({ image, file }: AuditedImage): { width: number; height: number } | null {
  if (file.kind === 'read') return { width: file.width, height: file.height };
  if (file.kind === 'not-checked' && image.width > 0 && image.height > 0) return { width: image.width, height: image.height };
  return null;
}

export function checkTooSmall(audited: AuditedImage, minSide: number): Finding | null {
  const size = knownSize(audited);
  if (size === null || Math.min(size.width, size.height) >= minSide) return null;
  return {
    image_id: audited.image.id,
    code: 'too_small',
    message: `${size.width}x${size.height}: the shortest side is under ${minSide} px.`,
  };
}

export function checkTooHeavy(audited: AuditedImage): Finding | null {
  const size = knownSize(audited);
  const megapixels = size ? (size.width * size.height) / 1_000_000 : 0;
  const bytes = audited.file.kind === 'read' ? audited.file.bytes : 0;
  const over = [
    ...(megapixels > TOO_HEAVY.megapixels ? [`${megapixels.toFixed(1)} megapixels (over ${TOO_HEAVY.megapixels})`] : []),
    ...(bytes > TOO_HEAVY.bytes ? [`${(bytes / 1024 / 1024).toFixed(1)} MiB (over ${TOO_HEAVY.bytes / 1024 / 1024})`] : []),
  ];
  if (over.length === 0) return null;
  return { image_id: audited.image.id, code: 'too_heavy', message: `The file is ${over.join(' and ')}.` };
}

/** Every image after the first (by position) whose file has the same content hash as an earlier one. */
export function checkDuplicates(images: readonly AuditedImage[]): Finding[] {
  const first = new Map<string, Image>();
  const findings: Finding[] = [];
  for (const { image, file } of images) {
    if (file.kind !== 'read') continue;
    const earlier = first.get(file.hash);
    if (earlier) findings.push({ image_id: image.id, code: 'duplicate_file', message: `Same file as the image at position ${earlier.position}.` });
    else first.set(file.hash, image);
  }
  return findings;
}

/** Ratios are compared rounded to 2 decimals, so 1000x800 and 1250x1000 count as the same shape. */
const ratioKey = (size: { width: number; height: number }) => Math.round((size.width / size.height) * 100) / 100;

/**
 * The images whose aspect ratio differs from the product's most common one (ties: the one seen
 * first, by position) by more than ASPECT_TOLERANCE of it; only with ASPECT_MIN_IMAGES sizes known.
 */
export function checkAspectRatios(images: readonly AuditedImage[]): Finding[] {
  const sized = images.flatMap((audited) => {
    const size = knownSize(audited);
    return size ? [{ image: audited.image, ratio: ratioKey(size) }] : [];
  });
  if (sized.length < ASPECT_MIN_IMAGES) return [];
  const counts = new Map<number, number>();
  for (const { ratio } of sized) counts.set(ratio, (counts.get(ratio) ?? 0) + 1);
  let common = sized[0]!.ratio;
  for (const [ratio, count] of counts) if (count > counts.get(common)!) common = ratio;
  return sized
    .filter(({ ratio }) => Math.abs(ratio - common) > ASPECT_TOLERANCE * common)
    .map(({ image, ratio }) => ({
      image_id: image.id,
      code: 'aspect_ratio' as const,
      message: `Aspect ratio ${ratio.toFixed(2)}, unlike the product's usual ${common.toFixed(2)}.`,
    }));
}

/** Positions must be exactly 1..n in list order; a product-level finding (image_id null). */
export function checkPositions(images: readonly Pick<Image, 'position'>[]): Finding | null {
  const positions = images.map((image) => image.position);
  if (positions.every((position, index) => position === index + 1)) return null;
  const shown = positions.length > 12 ? `${positions.slice(0, 12).join(', ')}, ...` : positions.join(', ');
  return { image_id: null, code: 'positions', message: `Image positions are ${shown}, not 1..${positions.length}.` };
}

/** One product-level finding per variant whose image_id names no image of the product. */
export function checkVariantImages(variants: readonly LinkedVariant[], images: readonly Pick<Image, 'id'>[]): Finding[] {
  const ids = new Set(images.map((image) => image.id));
  return variants
    .filter((variant) => variant.image_id !== '' && !ids.has(variant.image_id))
    .map((variant) => ({ image_id: null, code: 'variant_image_missing' as const, message: `Variant ${variant.id} shows image ${variant.image_id}, which does not exist.` }));
}

/** Every finding of one product: per image in list order, then the product's own. `images` must be in position order. */
export function auditProduct(product: AuditedProduct, options: { minSide: number }): Finding[] {
  const duplicates = checkDuplicates(product.images);
  const aspects = checkAspectRatios(product.images);
  const perImage = product.images.flatMap((audited) => {
    const id = audited.image.id;
    return [
      checkAlt(audited.image, product.title),
      checkFile(audited),
      checkDimensions(audited),
      checkTooSmall(audited, options.minSide),
      checkTooHeavy(audited),
      ...duplicates.filter((finding) => finding.image_id === id),
      ...aspects.filter((finding) => finding.image_id === id),
    ].filter((finding): finding is Finding => finding !== null);
  });
  const positions = checkPositions(product.images.map((audited) => audited.image));
  return [...perImage, ...(positions ? [positions] : []), ...checkVariantImages(product.variants, product.images.map((audited) => audited.image))];
}

/** A finding placed in its store and product, with its rule's severity and fix. */
export function toProblem(shop: string, productId: string, finding: Finding, fixed = false): AuditProblem {
  const rule = AUDIT_RULES[finding.code];
  return { shop, product_id: productId, image_id: finding.image_id, code: finding.code, severity: rule.severity, message: finding.message, fix: rule.fix, fixed };
}

const short = (text: string) => (text.length > 60 ? `${text.slice(0, 60)}...` : text);
