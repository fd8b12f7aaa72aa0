import { createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { RowProblem } from './catalogue-entry.js';
import { spreadsheetCell } from './spreadsheet-cell.js';

export const REPORT_COLUMNS = ['line', 'handle', 'reason'] as const;

/** Where the report goes unless `--report` says: beside the input, `<input>.report.csv`. */
export const defaultReportPath = (input: string) => `${input}.report.csv`;

/**
 * The import's report: every failed line of the input, in line order, with the product's handle and
 * the reason in words (quoted where a spreadsheet would run them, spreadsheet-cell.ts); only the
 * header when nothing failed. Written whole to a temporary name, then
 * renamed, so a reader never sees half a report.
 */
export async function writeReport(path: string, failures: ReadonlyArray<RowProblem & { handle: string }>): Promise<void> {
  const partial = `${path}.partial`;
  await pipeline(
    Readable.from(failures.map((failure) => [failure.line, spreadsheetCell(failure.handle, false), spreadsheetCell(failure.reason, false)])),
    stringify({ header: true, columns: [...REPORT_COLUMNS] }),
    createWriteStream(partial),
  );
  await rename(partial, path);
}
