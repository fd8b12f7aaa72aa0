import { validation } from '../domain/errors.js';
import type { NewImage, NewProduct, ProductImageEntry, ProductPatch } from '../domain/entities.js';
import { type Fields, isPlainObject, type Problems, readBoolean, readObjectList, readPositiveInt, readString, readUrl } from './fields.js';
import { ALT_MAX, dropUndefined, readNewImage, unwrap } from './image-body.js';
import { type WireContext, withLibrarySrc } from './library-src.js';
import { isUuid } from '../domain/uuid.js';
import { readOptionList, readVariantList } from './variant-body.js';

export const TITLE_MAX = 255;
/** The platform's own cap on a product's `images` array, with its own message. */
export const IMAGES_MAX = 250;
/**
 * prodimg downloads, checks and decodes every `src` of a body before answering: more than this many
 * entries with a `src` in one body is refused at once, so one 40 KB body cannot queue 250 downloads.
 */
export const IMAGES_PER_REQUEST = 50;

function readProductFields(fields: Fields, problems: Problems, creating: boolean) {
  return {
    title: readString(fields, 'title', 'Title', problems, { max: TITLE_MAX, required: creating || 'title' in fields }),
    handle: readString(fields, 'handle', 'Handle', problems, { max: 255 }),
    description: readString(fields, 'description', 'Description', problems, { max: 65_535, nullAs: '' }),
    vendor: readString(fields, 'vendor', 'Vendor', problems, { max: 100, nullAs: '' }),
    tags: readString(fields, 'tags', 'Tags', problems, { max: 4096, nullAs: '' }),
    published: readBoolean(fields, 'published', 'Published', problems),
    need_variant_image: readBoolean(fields, 'need_variant_image', 'Need variant image', problems),
    options: readOptionList(fields, problems),
    variants: readVariantList(fields, problems, creating),
  };
}

/** `images` must be an array of objects; calls `read` on each with a 1-based label prefix. */
function readImageList<T>(fields: Fields, problems: Problems, read: (image: Fields, prefix: string) => T): T[] | undefined {
  const raw = fields.images;
  // Each src is downloaded before the answer: a body may bring only so many (after the platform's own cap).
  if (Array.isArray(raw) && raw.length <= IMAGES_MAX) {
    const bringing = raw.filter((image) => isPlainObject(image) && image.src !== undefined && image.src !== null).length;
    if (bringing > IMAGES_PER_REQUEST) {
      problems.push(`Images has too many sources for one request (maximum is ${IMAGES_PER_REQUEST} images with a src; send the rest in another request)`);
      return undefined;
    }
  }
  return readObjectList(fields, 'images', { label: 'Images', item: 'Image', unit: 'images', max: IMAGES_MAX }, problems, read);
}

export function parseProductCreate(body: unknown, context?: WireContext): NewProduct {
  const fields = unwrap(body, 'product');
  const problems: Problems = [];
  const product = readProductFields(fields, problems, true);
  // Positions in a new product follow the array order.
  const images = readImageList<NewImage>(fields, problems, (image, prefix) => {
    const { position: _ignored, ...rest } = readNewImage(image, problems, prefix);
    return rest;
  });
  if (problems.length > 0) throw validation(problems);
  return {
    title: product.title ?? '',
    ...(product.handle !== undefined ? { handle: product.handle } : {}),
    description: product.description ?? '',
    vendor: product.vendor ?? '',
    tags: product.tags ?? '',
    published: product.published ?? true,
    images: (images ?? []).map((image) => withLibrarySrc(image, context)),
    ...dropUndefined({ need_variant_image: product.need_variant_image, options: product.options, variants: product.variants }),
  };
}

export function parseProductUpdate(body: unknown, context?: WireContext): ProductPatch {
  const fields = unwrap(body, 'product');
  const problems: Problems = [];
  const product = readProductFields(fields, problems, false);
  const images = readImageList<ProductImageEntry>(fields, problems, (image, prefix) => {
    const id = image.id;
    if (id !== undefined && id !== null && !isUuid(id)) problems.push(`${prefix}Id must be a valid UUID`);
    const entry: ProductImageEntry = {
      id: isUuid(id) ? id.toLowerCase() : undefined,
      src: readUrl(image, 'src', `${prefix}Src`, problems, id === undefined || id === null),
      alt: readString(image, 'alt', `${prefix}Alt`, problems, { max: ALT_MAX, nullAs: '' }),
      width: readPositiveInt(image, 'width', `${prefix}Width`, problems),
      height: readPositiveInt(image, 'height', `${prefix}Height`, problems),
    };
    return dropUndefined(entry);
  });
  if (images) {
    const seen = new Set<string>();
    const repeated = new Set<string>();
    for (const image of images) {
      if (image.id === undefined) continue;
      if (seen.has(image.id)) repeated.add(image.id);
      seen.add(image.id);
    }
    for (const id of repeated) problems.push(`Image ${id} is listed more than once`);
  }
  if (problems.length > 0) throw validation(problems);
  return dropUndefined({ ...product, images: images?.map((image) => withLibrarySrc(image, context)) });
}
