import { validation } from '../domain/errors.js';
import { INVENTORY_POLICIES, type NewImage, type NewProduct, type ProductImageEntry, type ProductPatch } from '../domain/entities.js';
import { type Fields, isPlainObject, type Problems, readBoolean, readInteger, readObjectList, readPositiveInt, readString, readUrl } from './fields.js';
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

/**
 * Lengths of the product's texts, stated once for the schema and the reader: brief, vendor_url and
 * note are the platform's own; it documents none for the others, which prodimg caps so that a row
 * stays bounded.
 */
export const PRODUCT_TEXT_MAX = {
  handle: 255,
  brief: 600,
  description: 65_535,
  vendor: 100,
  vendor_url: 1000,
  tags: 4096,
  note: 500,
  seo_title: 255,
  seo_description: 1000,
  seo_keywords: 1000,
  spu: 255,
} as const;

function readProductFields(fields: Fields, problems: Problems, creating: boolean) {
  const text = (key: keyof typeof PRODUCT_TEXT_MAX, label: string) => readString(fields, key, label, problems, { max: PRODUCT_TEXT_MAX[key], nullAs: '' });
  return {
    title: readString(fields, 'title', 'Title', problems, { max: TITLE_MAX, required: creating || 'title' in fields }),
    brief: text('brief', 'Brief'),
    handle: readString(fields, 'handle', 'Handle', problems, { max: PRODUCT_TEXT_MAX.handle }),
    description: text('description', 'Description'),
    vendor: text('vendor', 'Vendor'),
    vendor_url: text('vendor_url', 'Vendor url'),
    tags: text('tags', 'Tags'),
    published: readBoolean(fields, 'published', 'Published', problems),
    requires_shipping: readBoolean(fields, 'requires_shipping', 'Requires shipping', problems),
    taxable: readBoolean(fields, 'taxable', 'Taxable', problems),
    note: text('note', 'Note'),
    seo_title: text('seo_title', 'Seo title'),
    seo_description: text('seo_description', 'Seo description'),
    seo_keywords: text('seo_keywords', 'Seo keywords'),
    inventory_tracking: readBoolean(fields, 'inventory_tracking', 'Inventory tracking', problems),
    // The platform: required while inventory is tracked (an update keeps the stored one).
    inventory_policy: readInventoryPolicy(fields, problems, creating && fields.inventory_tracking === true),
    spu: text('spu', 'Spu'),
    fake_sales: readInteger(fields, 'fake_sales', 'Fake sales', problems, { min: 0 }),
    display_fake_sales: readBoolean(fields, 'display_fake_sales', 'Display fake sales', problems),
    need_variant_image: readBoolean(fields, 'need_variant_image', 'Need variant image', problems),
    options: readOptionList(fields, problems),
    variants: readVariantList(fields, problems, creating),
  };
}

function readInventoryPolicy(fields: Fields, problems: Problems, required: boolean): string | undefined {
  const policy = fields.inventory_policy;
  if (policy === undefined || policy === null) {
    if (required) problems.push("Inventory policy can't be blank");
    return undefined;
  }
  if (typeof policy === 'string' && (INVENTORY_POLICIES as readonly string[]).includes(policy)) return policy;
  problems.push(`Inventory policy must be one of ${INVENTORY_POLICIES.join(', ')}`);
  return undefined;
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
  const { title, handle: _handle, description, vendor, tags, published, ...rest } = product;
  return {
    ...dropUndefined(rest),
    title: title ?? '',
    ...(product.handle !== undefined ? { handle: product.handle } : {}),
    description: description ?? '',
    vendor: vendor ?? '',
    tags: tags ?? '',
    published: published ?? true,
    images: (images ?? []).map((image) => withLibrarySrc(image, context)),
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
