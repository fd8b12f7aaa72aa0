import { validation } from '../domain/errors.js';
import { type NewOption, type ProductVariantEntry, type VariantInput, WEIGHT_UNITS } from '../domain/entities.js';
import { isUuid } from '../domain/uuid.js';
import { OPTIONS_MAX, VARIANTS_MAX } from '../domain/variant-rules.js';
import { type Fields, type Problems, readInteger, readObjectList, readPositiveInt, readString } from './fields.js';
import { dropUndefined, unwrap } from './image-body.js';

export const PRICE_MAX = 999_999_999.99;
/** Option names and values, sku and barcode. */
export const VARIANT_TEXT_MAX = 255;
/** The platform documents 500 for a product's note; a variant's is given the same. */
export const VARIANT_NOTE_MAX = 500;
const DECIMAL = /^\d+(?:\.(\d+))?$/;

/** A price: a number or numeric string, 0 or more, at most 2 decimals; answered as "19.90". */
export function readPrice(fields: Fields, key: string, label: string, problems: Problems, required = false): string | undefined {
  const raw = fields[key];
  if (raw === undefined || raw === null || raw === '') {
    if (required) problems.push(`${label} can't be blank`);
    return undefined;
  }
  const text = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const negative = text.startsWith('-') && DECIMAL.test(text.slice(1));
  const match = DECIMAL.exec(text);
  if (negative) problems.push(`${label} must be greater than or equal to 0`);
  else if (!match) problems.push(`${label} must be a number`);
  else if ((match[1]?.length ?? 0) > 2) problems.push(`${label} must have at most 2 decimal places`);
  else if (Number(text) > PRICE_MAX) problems.push(`${label} must be less than or equal to ${PRICE_MAX}`);
  else return Number(text).toFixed(2);
  return undefined;
}

/** A weight: a number or numeric string, 0 or more; answered in its shortest form ("0.5"). */
function readWeight(fields: Fields, problems: Problems, prefix: string): string | undefined {
  const raw = fields.weight;
  if (raw === undefined || raw === null || raw === '') return undefined;
  const text = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (text.startsWith('-') && DECIMAL.test(text.slice(1))) problems.push(`${prefix}Weight must be greater than or equal to 0`);
  else if (!DECIMAL.test(text)) problems.push(`${prefix}Weight must be a number`);
  else return String(Number(text));
  return undefined;
}

function readOption(fields: Fields, key: string, label: string, problems: Problems): string | null | undefined {
  if (fields[key] === null || fields[key] === '') return null;
  return readString(fields, key, label, problems, { max: VARIANT_TEXT_MAX });
}

/** The fields of one variant, with `prefix` before each message (`Variant 2: ` in product bodies). */
export function readVariantFields(fields: Fields, problems: Problems, prefix: string, creating: boolean): VariantInput {
  return dropUndefined({
    option1: readOption(fields, 'option1', `${prefix}Option1`, problems),
    option2: readOption(fields, 'option2', `${prefix}Option2`, problems),
    option3: readOption(fields, 'option3', `${prefix}Option3`, problems),
    price: readPrice(fields, 'price', `${prefix}Price`, problems, creating),
    compare_at_price: readPrice(fields, 'compare_at_price', `${prefix}Compare at price`, problems),
    cost_price: readPrice(fields, 'cost_price', `${prefix}Cost price`, problems),
    sku: readString(fields, 'sku', `${prefix}Sku`, problems, { max: VARIANT_TEXT_MAX, nullAs: '' }),
    barcode: readString(fields, 'barcode', `${prefix}Barcode`, problems, { max: VARIANT_TEXT_MAX, nullAs: '' }),
    note: readString(fields, 'note', `${prefix}Note`, problems, { max: VARIANT_NOTE_MAX, nullAs: '' }),
    position: readPositiveInt(fields, 'position', `${prefix}Position`, problems, { clampAbove: true }),
    weight: readWeight(fields, problems, prefix),
    weight_unit: readWeightUnit(fields, problems, prefix),
    inventory_quantity: readInteger(fields, 'inventory_quantity', `${prefix}Inventory quantity`, problems),
    image_id: readImageId(fields, problems, prefix),
  });
}

function readWeightUnit(fields: Fields, problems: Problems, prefix: string): string | undefined {
  const unit = fields.weight_unit;
  if (unit === undefined || unit === null || unit === '') return undefined;
  if (typeof unit === 'string' && (WEIGHT_UNITS as readonly string[]).includes(unit)) return unit;
  problems.push(`${prefix}Weight unit must be one of ${WEIGHT_UNITS.join(', ')}`);
  return undefined;
}

/** One of the product's images, or '' (also for null) to unlink. */
function readImageId(fields: Fields, problems: Problems, prefix: string): string | undefined {
  const id = fields.image_id;
  if (id === null || id === '') return '';
  if (id === undefined) return undefined;
  if (isUuid(id)) return id.toLowerCase();
  problems.push(`${prefix}Image id must be a valid UUID`);
  return undefined;
}

export function parseVariantCreate(body: unknown): VariantInput {
  const problems: Problems = [];
  const variant = readVariantFields(unwrap(body, 'variant'), problems, '', true);
  if (problems.length > 0) throw validation(problems);
  return variant;
}

export function parseVariantUpdate(body: unknown): VariantInput {
  const problems: Problems = [];
  const variant = readVariantFields(unwrap(body, 'variant'), problems, '', false);
  if (problems.length > 0) throw validation(problems);
  return variant;
}

/** A product body's `options`: at most 3, each a name and a non-empty list of distinct values. */
export function readOptionList(fields: Fields, problems: Problems): NewOption[] | undefined {
  const names = { label: 'Options', item: 'Option', unit: 'options', max: OPTIONS_MAX };
  const options: NewOption[] = [];
  readObjectList(fields, 'options', names, problems, (option, prefix) => {
    const name = readString(option, 'name', `${prefix}Name`, problems, { max: VARIANT_TEXT_MAX, required: true });
    if (name !== undefined && options.some((other) => other.name === name)) problems.push(`${prefix}Name is already taken`);
    const values = option.values;
    if (!Array.isArray(values) || values.some((value) => typeof value !== 'string' || value === '' || [...value].length > VARIANT_TEXT_MAX)) {
      problems.push(`${prefix}Values must be an array of non-blank strings of at most ${VARIANT_TEXT_MAX} characters`);
    } else if (values.length === 0) problems.push(`${prefix}Values can't be blank`);
    else if (name !== undefined) options.push({ name, values: [...new Set(values as string[])] });
    return undefined;
  });
  return fields.options === undefined || fields.options === null ? undefined : options;
}

/** A product body's `variants`: each entry read as one variant, with a 1-based prefix; on update, ids may name kept ones. */
export function readVariantList(fields: Fields, problems: Problems, creating: boolean): ProductVariantEntry[] | undefined {
  const names = { label: 'Variants', item: 'Variant', unit: 'variants', max: VARIANTS_MAX };
  const seen = new Set<string>();
  return readObjectList(fields, 'variants', names, problems, (variant, prefix) => {
    const id = creating ? undefined : variant.id;
    const known = id !== undefined && id !== null;
    if (known && !isUuid(id)) problems.push(`${prefix}Id must be a valid UUID`);
    const { position: _ignored, ...rest } = readVariantFields(variant, problems, prefix, !known);
    const entry: ProductVariantEntry = isUuid(id) ? { id: id.toLowerCase(), ...rest } : rest;
    if (entry.id !== undefined) {
      if (seen.has(entry.id)) problems.push(`${prefix}Variant ${entry.id} is listed more than once`);
      seen.add(entry.id);
    }
    return entry;
  });
}
