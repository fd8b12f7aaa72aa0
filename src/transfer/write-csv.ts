import type { ProductWithImages } from '../domain/entities.js';
import { wireSrc, type WireContext } from '../contract/library-src.js';
import { CSV_COLUMNS, type CsvColumn, DEFAULT_OPTION, GRAMS_PER_UNIT, NUMBER_COLUMNS } from './csv-columns.js';
import { spreadsheetCell } from './spreadsheet-cell.js';

/**
 * A product's rows in the spreadsheet layout: as many as it has variants or images (at least one),
 * its own fields on the first, its i-th variant and i-th image on the i-th. `src` URLs are made as
 * the API makes them, so an import into this prodimg (or one sharing its files) takes the same files.
 * A text a spreadsheet would run as a formula is quoted (spreadsheet-cell.ts).
 */
export function csvRows(product: ProductWithImages, context: WireContext): string[][] {
  const count = Math.max(1, product.variants.length, product.images.length);
  const names = product.options.length > 0 ? product.options.map((option) => option.name) : [DEFAULT_OPTION.name];
  const rows: string[][] = [];
  for (let i = 0; i < count; i += 1) {
    const row: Partial<Record<CsvColumn, string>> = { Handle: product.handle };
    if (i === 0) {
      Object.assign(row, {
        Title: product.title,
        'Body (HTML)': product.description,
        Vendor: product.vendor,
        Tags: product.tags,
        Published: product.published ? 'TRUE' : 'FALSE',
        'SEO Title': product.seo_title,
        'SEO Description': product.seo_description,
        'Variant Requires Shipping': product.requires_shipping ? 'TRUE' : 'FALSE',
        'Variant Taxable': product.taxable ? 'TRUE' : 'FALSE',
        'Option1 Name': names[0] ?? '',
        'Option2 Name': names[1] ?? '',
        'Option3 Name': names[2] ?? '',
      });
    }
    const variant = product.variants[i];
    if (variant) {
      const perUnit = GRAMS_PER_UNIT[variant.weight_unit] ?? 1000;
      Object.assign(row, {
        'Option1 Value': product.options.length > 0 ? (variant.option1 ?? '') : DEFAULT_OPTION.value,
        'Option2 Value': variant.option2 ?? '',
        'Option3 Value': variant.option3 ?? '',
        'Variant SKU': variant.sku,
        'Variant Grams': String(Math.round(Number(variant.weight) * perUnit)),
        'Variant Inventory Qty': String(variant.inventory_quantity),
        'Variant Price': variant.price,
        'Variant Compare At Price': variant.compare_at_price,
        'Variant Barcode': variant.barcode,
        'Variant Image': variant.image ? wireSrc(variant.image.src, context) : '',
        'Variant Weight Unit': variant.weight_unit,
        'Variant Weight': variant.weight,
        'Cost per item': variant.cost_price,
      });
    }
    const image = product.images[i];
    if (image) {
      Object.assign(row, { 'Image Src': wireSrc(image.src, context), 'Image Position': String(i + 1), 'Image Alt Text': image.alt });
    }
    rows.push(CSV_COLUMNS.map((column) => spreadsheetCell(row[column] ?? '', NUMBER_COLUMNS.has(column))));
  }
  return rows;
}
