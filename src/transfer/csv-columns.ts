/**
 * The product spreadsheet layout the big hosted platforms export and import: one row per variant or
 * image, a product's rows together under its Handle, the product's own fields on its first row.
 * `Variant Weight` is ours: the weight exactly as stored, in `Variant Weight Unit` (`Variant Grams`,
 * the platforms' column, is rounded to whole grams); an import prefers it when present.
 */
export const CSV_COLUMNS = [
  'Handle',
  'Title',
  'Body (HTML)',
  'Vendor',
  'Tags',
  'Published',
  'Option1 Name',
  'Option1 Value',
  'Option2 Name',
  'Option2 Value',
  'Option3 Name',
  'Option3 Value',
  'Variant SKU',
  'Variant Grams',
  'Variant Inventory Qty',
  'Variant Price',
  'Variant Compare At Price',
  'Variant Barcode',
  'Image Src',
  'Image Position',
  'Image Alt Text',
  'Variant Image',
  'Variant Weight Unit',
  'Variant Weight',
  'SEO Title',
  'SEO Description',
  'Variant Requires Shipping',
  'Variant Taxable',
  'Cost per item',
] as const;

/**
 * The platforms' per-variant shipping and tax columns: on this platform they are the product's
 * (`requires_shipping`, `taxable`), so they are written on a product's first row and read from there,
 * and do not make a row a variant's.
 */
export const PRODUCT_FLAG_COLUMNS = { 'Variant Requires Shipping': 'requires_shipping', 'Variant Taxable': 'taxable' } as const;

export type CsvColumn = (typeof CSV_COLUMNS)[number];

/** The columns that make a row a variant's when any is filled: the option values and the variant's own, but its image, unit and the product's flags. */
export const VARIANT_COLUMNS: readonly CsvColumn[] = CSV_COLUMNS.filter(
  (column) =>
    (/^(Option\d Value|Variant )/.test(column) || column === 'Cost per item') &&
    column !== 'Variant Image' &&
    column !== 'Variant Weight Unit' &&
    !(column in PRODUCT_FLAG_COLUMNS),
);

/** The columns of numbers: a number there is written as it is, never quoted as text (spreadsheet-cell.ts). */
export const NUMBER_COLUMNS: ReadonlySet<CsvColumn> = new Set<CsvColumn>([
  'Variant Grams',
  'Variant Inventory Qty',
  'Variant Price',
  'Variant Compare At Price',
  'Image Position',
  'Variant Weight',
  'Cost per item',
]);

/** A product without options shows its one variant this way in the layout. */
export const DEFAULT_OPTION = { name: 'Title', value: 'Default Title' } as const;

/** Grams in one of each weight unit the API knows. */
export const GRAMS_PER_UNIT: Readonly<Record<string, number>> = { kg: 1000, g: 1, lb: 453.59237, oz: 28.349523125 };
