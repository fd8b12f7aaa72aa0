import type { NewOption, ProductVariantEntry, VariantRow } from './entities.js';

/**
 * The rules a product's options and variants obey together, kept pure so they can be table-tested;
 * storage applies the outcome inside the product's locked transaction (contract.md, Variants).
 */

export const OPTIONS_MAX = 3;
export const VARIANTS_MAX = 250;
export const DEFAULT_TITLE = 'Default Title';

/** A variant's title: its option values joined by " / ", or "Default Title" when it has none. */
export function variantTitle(variant: Pick<VariantRow, 'option1' | 'option2' | 'option3'>): string {
  const values = [variant.option1, variant.option2, variant.option3].filter((value): value is string => value !== null);
  return values.length > 0 ? values.join(' / ') : DEFAULT_TITLE;
}

/** The fields of a new variant that were not sent. */
export const VARIANT_DEFAULTS = {
  option1: null,
  option2: null,
  option3: null,
  price: '0.00',
  compare_at_price: '0.00',
  cost_price: '0.00',
  sku: '',
  barcode: '',
  note: '',
  weight: '0',
  weight_unit: 'kg',
  inventory_quantity: 0,
  image_id: '',
} as const;

type Options = Pick<VariantRow, 'option1' | 'option2' | 'option3'>;
const KEYS = ['option1', 'option2', 'option3'] as const;

/**
 * The problems of a product's variants against its options, one message each, prefixed by `label(i)`
 * (`Variant 2: ` in product bodies, nothing for one variant): option k is required when the product
 * has k options and refused when it has fewer; no two variants have the same option values.
 */
export function variantProblems(optionCount: number, variants: readonly Options[], label: (index: number) => string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  variants.forEach((variant, index) => {
    const prefix = label(index);
    KEYS.forEach((key, k) => {
      const value = variant[key];
      if (k < optionCount && (value === null || value === '')) problems.push(`${prefix}Option${k + 1} can't be blank`);
      if (k >= optionCount && value !== null) {
        problems.push(`${prefix}Option${k + 1} is not allowed: the product has ${optionCount} option${optionCount === 1 ? '' : 's'}`);
      }
    });
    const key = JSON.stringify(KEYS.map((k) => variant[k]));
    if (seen.has(key)) {
      problems.push(
        optionCount === 0
          ? `${prefix}A product without options has only its default variant`
          : `${prefix}Option values ${variantTitle(variant)} are already taken by another variant`,
      );
    }
    seen.add(key);
  });
  return problems;
}

/** Each option's values: those declared, then those the variants use that are not declared, in order. */
export function optionValues(options: readonly NewOption[], variants: readonly Options[]): NewOption[] {
  return options.map((option, k) => {
    const values = [...option.values];
    for (const variant of variants) {
      const value = variant[KEYS[k]!];
      if (value !== null && !values.includes(value)) values.push(value);
    }
    return { name: option.name, values };
  });
}

/** The variants a product gets when created without any: one per first value of each option, or the default one. */
export function defaultVariants(options: readonly NewOption[]): ProductVariantEntry[] {
  const entry: ProductVariantEntry = {};
  options.forEach((option, k) => {
    entry[KEYS[k]!] = option.values[0] ?? null;
  });
  return [entry];
}
