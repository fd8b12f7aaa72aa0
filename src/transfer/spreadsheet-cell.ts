/**
 * The spreadsheet rule, stated once: a spreadsheet opening a CSV runs a cell that starts with `=`,
 * `+`, `-` or `@` as a formula (tab and carriage return start one in some, too), so such a text is
 * written with one more leading `'`, which spreadsheets show as "text" and an import strips back.
 * Leading quotes count: `'=x` is written `''=x`, so stripping exactly one `'` from a cell that starts
 * with quotes and then one of those gives back every text as it was. A number in a number column
 * (`-5` in Variant Inventory Qty) stays a number.
 */
const FORMULA_START = /^'*[=+\-@\t\r]/;
const NUMBER = /^-?\d+(\.\d+)?$/;

/** The cell a CSV export writes for `text`; `numeric` for a column of numbers (csv-columns.ts). */
export function spreadsheetCell(text: string, numeric: boolean): string {
  if (numeric && NUMBER.test(text)) return text;
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** The text of a cell an import reads: `spreadsheetCell`'s quote taken off, anything else as it is. */
export function cellText(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}
