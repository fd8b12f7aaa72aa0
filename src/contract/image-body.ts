import { badRequest, validation } from '../domain/errors.js';
import type { ImagePatch, NewImage } from '../domain/entities.js';
import { type Fields, isPlainObject, type Problems, readPositiveInt, readString, readUrl } from './fields.js';
import { isUuid } from '../domain/uuid.js';
import { VARIANTS_MAX } from '../domain/variant-rules.js';

export const ALT_MAX = 512;

/** Unwraps `{"<root>": {...}}`; anything else is a malformed request, not a validation problem. */
export function unwrap(body: unknown, root: string): Fields {
  if (!isPlainObject(body) || !isPlainObject(body[root])) {
    throw badRequest(`body must be a JSON object with ${/^[aeiou]/.test(root) ? 'an' : 'a'} "${root}" object`);
  }
  return body[root] as Fields;
}

/** The fields of one new image, shared by image create and product create. */
export function readNewImage(fields: Fields, problems: Problems, prefix = ''): NewImage {
  const src = readUrl(fields, 'src', `${prefix}Src`, problems, true);
  const position = readPositiveInt(fields, 'position', `${prefix}Position`, problems, { clampAbove: true });
  const alt = readString(fields, 'alt', `${prefix}Alt`, problems, { max: ALT_MAX, nullAs: '' });
  const width = readPositiveInt(fields, 'width', `${prefix}Width`, problems);
  const height = readPositiveInt(fields, 'height', `${prefix}Height`, problems);
  const image: NewImage = { src: src ?? '', alt: alt ?? '', width: width ?? 0, height: height ?? 0 };
  if (position !== undefined) image.position = position;
  return image;
}

export function parseImageCreate(body: unknown): NewImage {
  const problems: Problems = [];
  const fields = unwrap(body, 'image');
  const image = readNewImage(fields, problems);
  const variantIds = readVariantIds(fields, problems);
  if (problems.length > 0) throw validation(problems);
  return variantIds ? { ...image, variant_ids: variantIds } : image;
}

export function parseImageUpdate(body: unknown): ImagePatch {
  const fields = unwrap(body, 'image');
  const problems: Problems = [];
  const patch: ImagePatch = {
    src: readUrl(fields, 'src', 'Src', problems, false),
    position: readPositiveInt(fields, 'position', 'Position', problems, { clampAbove: true }),
    alt: readString(fields, 'alt', 'Alt', problems, { max: ALT_MAX, nullAs: '' }),
    width: readPositiveInt(fields, 'width', 'Width', problems),
    height: readPositiveInt(fields, 'height', 'Height', problems),
    variant_ids: readVariantIds(fields, problems),
  };
  if (problems.length > 0) throw validation(problems);
  return dropUndefined(patch);
}

export function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Extension on image create and update: `variant_ids`, the product's variants to show the image. */
export function readVariantIds(fields: Fields, problems: Problems): string[] | undefined {
  const raw = fields.variant_ids;
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw) || !raw.every(isUuid)) {
    problems.push('Variant ids must be an array of valid UUIDs');
    return undefined;
  }
  if (raw.length > VARIANTS_MAX) {
    problems.push(`Variant ids is too long (maximum is ${VARIANTS_MAX} ids)`);
    return undefined;
  }
  return [...new Set(raw.map((id) => id.toLowerCase()))];
}
