import { PRODUCT_SETTING_DEFAULTS, type ProductSettings } from '../domain/entities.js';
import type { CatalogueEntry, EntryVariant, RowProblem } from './catalogue-entry.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/**
 * A product in the API's own shape (as GET answers it, or a create body's `product`) as an entry: its
 * images in position order, each variant's image by its src (the image its `image_id` names, else its
 * `image.src`). Used by JSON Lines imports and by mirroring, where every part comes from one line.
 */
export function entryFromApiProduct(value: unknown, seq: number, line: number): CatalogueEntry {
  const product = isObject(value) && isObject(value.product) ? value.product : value;
  const problems: RowProblem[] = [];
  if (!isObject(product)) {
    return { seq, handle: '', lines: [line], product: {}, images: [], problems: [{ line, reason: 'not a product: each line must be one JSON object' }] };
  }
  const title = text(product.title);
  const handle = text(product.handle) ?? '';
  if (handle === '') problems.push({ line, reason: 'handle is missing: products are matched by handle' });
  const rawImages = Array.isArray(product.images) ? product.images.filter(isObject) : [];
  const images = [...rawImages]
    .map((image, index) => ({ image, index, position: typeof image.position === 'number' ? image.position : Number.MAX_SAFE_INTEGER }))
    .sort((a, b) => a.position - b.position || a.index - b.index)
    .map(({ image }) => image);
  const srcById = new Map(images.flatMap((image) => (typeof image.id === 'string' && typeof image.src === 'string' ? [[image.id, image.src]] : [])));
  const entry: CatalogueEntry = {
    seq,
    handle,
    lines: [line],
    product: dropUndefined({
      title,
      description: text(product.description) ?? text(product.body_html),
      vendor: text(product.vendor),
      // Only the strings: join would recurse into nested arrays, and a hostile source's may be deep.
      tags: Array.isArray(product.tags) ? product.tags.filter((tag): tag is string => typeof tag === 'string').join(', ') : text(product.tags),
      published: typeof product.published === 'boolean' ? product.published : undefined,
      ...settingsOf(product),
    }),
    images: images.map((image) => ({ src: text(image.src) ?? '', alt: text(image.alt) ?? '', line })),
    problems,
  };
  if (Array.isArray(product.options)) {
    entry.options = product.options.filter(isObject).map((option) => ({
      name: text(option.name) ?? '',
      values: Array.isArray(option.values) ? option.values.filter((v): v is string => typeof v === 'string') : [],
    }));
  }
  if (Array.isArray(product.variants)) {
    const hasOptions = (entry.options?.length ?? 0) > 0;
    entry.variants = product.variants.filter(isObject).map((variant) => variantOf(variant, srcById, hasOptions, line));
  }
  return entry;
}

/** The product's other settings (brief, SEO, inventory, ...), each kept when it has the type the API answers. */
function settingsOf(product: Json): Partial<ProductSettings> {
  return Object.fromEntries(
    Object.entries(PRODUCT_SETTING_DEFAULTS).flatMap(([key, fallback]) => (typeof product[key] === typeof fallback ? [[key, product[key]]] : [])),
  );
}

function variantOf(variant: Json, srcById: Map<string, string>, hasOptions: boolean, line: number): EntryVariant {
  const imageId = text(variant.image_id);
  const imageSrc = (imageId ? srcById.get(imageId) : undefined) ?? (isObject(variant.image) ? text(variant.image.src) : undefined);
  const option = (key: 'option1' | 'option2' | 'option3') => (hasOptions ? (text(variant[key]) ?? null) : undefined);
  return dropUndefined({
    option1: option('option1'),
    option2: option('option2'),
    option3: option('option3'),
    price: scalar(variant.price),
    compare_at_price: scalar(variant.compare_at_price),
    cost_price: scalar(variant.cost_price),
    sku: text(variant.sku),
    barcode: text(variant.barcode),
    note: text(variant.note),
    weight: scalar(variant.weight),
    weight_unit: text(variant.weight_unit),
    inventory_quantity: typeof variant.inventory_quantity === 'number' ? variant.inventory_quantity : undefined,
    image_src: imageSrc,
    line,
  });
}

const scalar = (value: unknown) => (typeof value === 'number' ? String(value) : text(value));

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
