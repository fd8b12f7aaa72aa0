import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { IMAGES_MAX } from '../contract/product-body.js';
import { VARIANTS_MAX } from '../domain/variant-rules.js';
import type { CatalogueEntry, EntryImage, EntryVariant, RowProblem } from './catalogue-entry.js';
import { CSV_COLUMNS, type CsvColumn, DEFAULT_OPTION, GRAMS_PER_UNIT, PRODUCT_FLAG_COLUMNS, VARIANT_COLUMNS } from './csv-columns.js';
import { InputError } from './input-error.js';
import { cellText } from './spreadsheet-cell.js';

/** A hostile file cannot make one record hold more than this in memory. */
const MAX_RECORD_BYTES = 4 * 1024 * 1024;
/** Rows one product may have (a row per image and per variant at most); beyond, only their line numbers are kept. */
const MAX_ROWS = IMAGES_MAX + VARIANTS_MAX;

type Row = { line: number; get: (column: CsvColumn) => string };

export interface CsvHeader {
  /** Columns of the file this layout does not read, as written in the header. */
  ignored: string[];
}

/**
 * The products of a spreadsheet in the platforms' layout, one entry per handle, in file order,
 * streamed: only the rows of the product being read are held. Lines are the file's (the header is
 * line 1; blank lines count; a quoted field may span lines: a record's line is where it starts). A product's rows must
 * be together: a handle met again after another is refused on its later rows.
 */
export async function* readCsvEntries(source: Readable, onHeader: (header: CsvHeader) => void = () => {}): AsyncGenerator<CatalogueEntry> {
  const parser = source.pipe(
    parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true, max_record_size: MAX_RECORD_BYTES }),
  );
  source.on('error', (err) => parser.destroy(err));
  let columns: Map<CsvColumn, number> | undefined;
  let nextLine = 1;
  let previousEmpty = 0;
  let group: Row[] = [];
  let extraLines: number[] = [];
  let seq = 0;
  const firstLineOf = new Map<string, number>();
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { empty_lines: number } }>) {
      // Counted from the record itself: the parser's own line count takes a CRLF inside quotes for two.
      const line = nextLine + (info.empty_lines - previousEmpty);
      nextLine = line + 1 + record.reduce((breaks, field) => breaks + (field.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
      previousEmpty = info.empty_lines;
      if (!columns) {
        columns = headerColumns(record, onHeader);
        continue;
      }
      const at = columns;
      // The quote an export puts before a formula-like text comes off (spreadsheet-cell.ts).
      const row: Row = { line, get: (column) => (at.has(column) ? cellText((record[at.get(column)!] ?? '').trim()) : '') };
      const handle = row.get('Handle');
      if (group.length > 0 && handle === group[0]!.get('Handle') && handle !== '') {
        if (group.length < MAX_ROWS) group.push(row);
        else extraLines.push(line);
        continue;
      }
      if (group.length > 0) yield entryOf(group, seq++, firstLineOf, extraLines);
      group = [row];
      extraLines = [];
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read the CSV: ${(err as Error).message}`);
  }
  if (!columns) throw new InputError('the CSV is empty: it needs a header row with a Handle column');
  if (group.length > 0) yield entryOf(group, seq++, firstLineOf, extraLines);
}

function headerColumns(record: string[], onHeader: (header: CsvHeader) => void): Map<CsvColumn, number> {
  const known = new Map<string, CsvColumn>(CSV_COLUMNS.map((column) => [column.toLowerCase(), column]));
  const columns = new Map<CsvColumn, number>();
  const ignored: string[] = [];
  record.forEach((name, index) => {
    const column = known.get(name.trim().toLowerCase());
    if (column && !columns.has(column)) columns.set(column, index);
    else if (name.trim() !== '') ignored.push(name.trim());
  });
  if (!columns.has('Handle')) throw new InputError(`the CSV has no Handle column (its header is: ${record.join(', ').slice(0, 300)})`);
  onHeader({ ignored });
  return columns;
}

function entryOf(rows: Row[], seq: number, firstLineOf: Map<string, number>, extraLines: number[]): CatalogueEntry {
  const first = rows[0]!;
  const handle = first.get('Handle');
  const lines = [...rows.map((row) => row.line), ...extraLines];
  const entry: CatalogueEntry = { seq, handle, lines, product: {}, images: [], problems: [] };
  if (extraLines.length > 0) {
    entry.problems.push({ line: extraLines[0]!, reason: `a product may have at most ${MAX_ROWS} rows (one per image and per variant); this one has ${lines.length}` });
    return entry;
  }
  if (handle === '') {
    entry.problems.push(...rows.map((row) => ({ line: row.line, reason: 'Handle is empty: every row needs the handle of its product' })));
    return entry;
  }
  const earlier = firstLineOf.get(handle);
  if (earlier !== undefined) {
    const reason = `handle "${handle}" was already used by the product starting at line ${earlier}; a product's rows must be together`;
    entry.problems.push(...rows.map((row) => ({ line: row.line, reason })));
    return entry;
  }
  firstLineOf.set(handle, first.line);
  readProductFields(first, entry);
  readImages(rows, entry);
  readVariants(rows, first, entry);
  return entry;
}

function readProductFields(first: Row, entry: CatalogueEntry): void {
  const text = (column: CsvColumn) => (first.get(column) === '' ? undefined : first.get(column));
  entry.product = dropUndefined({
    title: text('Title'),
    description: text('Body (HTML)'),
    vendor: text('Vendor'),
    tags: text('Tags'),
    published: flag(first, 'Published', entry),
    seo_title: text('SEO Title'),
    seo_description: text('SEO Description'),
    ...Object.fromEntries(Object.entries(PRODUCT_FLAG_COLUMNS).map(([column, field]) => [field, flag(first, column as CsvColumn, entry)])),
  });
}

/** TRUE or FALSE, any case; empty: not given. */
function flag(row: Row, column: CsvColumn, entry: CatalogueEntry): boolean | undefined {
  const value = row.get(column).toLowerCase();
  if (value === 'true' || value === 'false') return value === 'true';
  if (value !== '') entry.problems.push({ line: row.line, reason: `${column} must be TRUE or FALSE, got "${row.get(column)}"` });
  return undefined;
}

/** Images in Image Position order (rows without one after, in file order); a Variant Image not listed is added. */
function readImages(rows: Row[], entry: CatalogueEntry): void {
  const placed: Array<EntryImage & { position: number }> = [];
  for (const row of rows) {
    const src = row.get('Image Src');
    const position = row.get('Image Position');
    if (src === '') {
      if (position !== '' || row.get('Image Alt Text') !== '') entry.problems.push({ line: row.line, reason: 'Image Position or Image Alt Text without an Image Src' });
      continue;
    }
    if (position !== '' && !/^[1-9]\d{0,5}$/.test(position)) {
      entry.problems.push({ line: row.line, reason: `Image Position must be a whole number from 1, got "${position}"` });
      continue;
    }
    placed.push({ src, alt: row.get('Image Alt Text'), line: row.line, position: position === '' ? Number.MAX_SAFE_INTEGER : Number(position) });
  }
  // A stable sort keeps file order among equal positions.
  placed.sort((a, b) => a.position - b.position);
  entry.images = placed.map(({ position: _position, ...image }) => image);
  for (const row of rows) {
    const src = row.get('Variant Image');
    if (src !== '' && !entry.images.some((image) => image.src === src)) entry.images.push({ src, alt: '', line: row.line });
  }
  if (entry.images.length > IMAGES_MAX) {
    entry.problems.push({ line: entry.images[IMAGES_MAX]!.line, reason: `a product may have at most ${IMAGES_MAX} images; this one has ${entry.images.length}` });
  }
}

function readVariants(rows: Row[], first: Row, entry: CatalogueEntry): void {
  const variantRows = rows.filter((row) => VARIANT_COLUMNS.some((column) => row.get(column) !== ''));
  if (variantRows.length === 0) return;
  const names = (['Option1 Name', 'Option2 Name', 'Option3 Name'] as const).map((column) => first.get(column));
  const valueColumns = ['Option1 Value', 'Option2 Value', 'Option3 Value'] as const;
  // The layout's way of saying "no options": one variant titled Default Title.
  const noOptions =
    names.every((name) => name === '' || name === DEFAULT_OPTION.name) &&
    variantRows.every((row) => [DEFAULT_OPTION.value, ''].includes(row.get('Option1 Value')) && row.get('Option2 Value') === '' && row.get('Option3 Value') === '');
  const used = noOptions ? 0 : names.reduce((n, name, i) => (name !== '' || variantRows.some((row) => row.get(valueColumns[i]!) !== '') ? i + 1 : n), 0);
  entry.options = names.slice(0, used).map((name, i) => ({
    name,
    values: [...new Set(variantRows.map((row) => row.get(valueColumns[i]!)).filter((value) => value !== ''))],
  }));
  entry.variants = variantRows.slice(0, VARIANTS_MAX + 1).map((row) => readVariant(row, used, entry.problems));
}

function readVariant(row: Row, optionCount: number, problems: RowProblem[]): EntryVariant {
  const value = (column: CsvColumn) => (row.get(column) === '' ? undefined : row.get(column));
  const option = (i: number) => (i < optionCount ? row.get((['Option1 Value', 'Option2 Value', 'Option3 Value'] as const)[i]!) || null : undefined);
  const quantity = row.get('Variant Inventory Qty');
  if (quantity !== '' && !/^-?\d{1,10}$/.test(quantity)) problems.push({ line: row.line, reason: `Variant Inventory Qty must be a whole number, got "${quantity}"` });
  return dropUndefined({
    option1: option(0),
    option2: option(1),
    option3: option(2),
    sku: value('Variant SKU'),
    price: value('Variant Price'),
    compare_at_price: value('Variant Compare At Price'),
    cost_price: value('Cost per item'),
    barcode: value('Variant Barcode'),
    weight_unit: value('Variant Weight Unit'),
    weight: weightOf(row, problems),
    inventory_quantity: /^-?\d{1,10}$/.test(quantity) ? Number(quantity) : undefined,
    image_src: value('Variant Image'),
    line: row.line,
  });
}

/** `Variant Weight` as written; else `Variant Grams` in the row's unit (kg when none). */
function weightOf(row: Row, problems: RowProblem[]): string | undefined {
  const exact = row.get('Variant Weight');
  if (exact !== '') return exact;
  const grams = row.get('Variant Grams');
  if (grams === '') return undefined;
  const perUnit = GRAMS_PER_UNIT[row.get('Variant Weight Unit') || 'kg'];
  if (!/^\d+(\.\d+)?$/.test(grams) || perUnit === undefined) {
    problems.push({ line: row.line, reason: `Variant Grams must be a number of grams, with a Variant Weight Unit of kg, g, lb or oz; got "${grams}"` });
    return undefined;
  }
  return String(Number((Number(grams) / perUnit).toFixed(3)));
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
