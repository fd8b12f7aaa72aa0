import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { productJson } from '../contract/product-json.js';
import type { WireContext } from '../contract/library-src.js';
import type { ProductService } from '../domain/product-service.js';
import { CSV_COLUMNS } from './csv-columns.js';
import type { ImportFormat } from './run-import.js';
import { csvRows } from './write-csv.js';

/** Products read per page: memory holds one page, whatever the store's size. */
const PAGE = 50;

export interface ExportOptions {
  shopId: string;
  format: ImportFormat;
  products: ProductService;
  context: WireContext;
  out: Writable;
  onProgress?: (progress: { done: number; total: number; failed: number }) => void;
}

/**
 * Writes a store's products, oldest first, in the layout an import reads: CSV rows, or one JSON line
 * per product in the API's shape (2022-01). Streamed a page at a time, waiting for the output to drain.
 */
export async function runExport(options: ExportOptions): Promise<{ products: number; images: number }> {
  const total = await options.products.count(options.shopId);
  const csv = options.format === 'csv' ? stringify({ header: true, columns: [...CSV_COLUMNS] }) : null;
  if (csv) csv.pipe(options.out);
  const sink: Writable = csv ?? options.out;
  // A reader gone (a download cancelled) closes the output without a drain: the export stops there.
  const write = async (chunk: unknown) => {
    if (sink.write(chunk)) return;
    await new Promise<void>((resolve, reject) => {
      const settle = (err?: Error) => {
        sink.off('drain', onDrain);
        sink.off('error', settle);
        options.out.off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => settle();
      const onClose = () => settle(new Error('the export\'s output closed before the end'));
      sink.once('drain', onDrain);
      sink.once('error', settle);
      options.out.once('close', onClose);
    });
  };
  let done = 0;
  let images = 0;
  let cursor: string | undefined;
  options.onProgress?.({ done, total, failed: 0 });
  do {
    const page = await options.products.list(options.shopId, { perPage: PAGE, ...(cursor ? { cursor } : {}), filter: {} });
    for (const product of page.products) {
      if (csv) for (const row of csvRows(product, options.context)) await write(row);
      else await write(`${JSON.stringify(productJson(product, options.context))}\n`);
      done += 1;
      images += product.images.length;
    }
    options.onProgress?.({ done, total: Math.max(total, done), failed: 0 });
    cursor = page.cursor || undefined;
  } while (cursor);
  if (csv) {
    csv.end();
    await finished(csv);
  }
  return { products: done, images };
}
