import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { entryFromApiProduct } from './api-product-entry.js';
import type { CatalogueEntry } from './catalogue-entry.js';

/** A hostile file cannot make one line hold more than this in memory. */
const MAX_LINE_CHARS = 8 * 1024 * 1024;

/**
 * JSON Lines of the API's product shape, one product per line (blank lines skipped), streamed. A line
 * that is not JSON, or too long, is that product's failure, not the file's.
 */
export async function* readJsonlEntries(source: Readable): AsyncGenerator<CatalogueEntry> {
  const lines = createInterface({ input: source, crlfDelay: Infinity });
  let number = 0;
  let seq = 0;
  for await (const raw of lines) {
    number += 1;
    const line = raw.trim();
    if (line === '') continue;
    if (line.length > MAX_LINE_CHARS) {
      yield failed(seq++, number, `the line is longer than ${MAX_LINE_CHARS} characters`);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      yield failed(seq++, number, `not JSON: ${(err as Error).message}`);
      continue;
    }
    yield entryFromApiProduct(value, seq++, number);
  }
}

function failed(seq: number, line: number, reason: string): CatalogueEntry {
  return { seq, handle: '', lines: [line], product: {}, images: [], problems: [{ line, reason }] };
}
