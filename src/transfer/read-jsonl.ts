import { createInterface } from 'node:readline';
import { type Readable, Transform } from 'node:stream';
import { entryFromApiProduct } from './api-product-entry.js';
import type { CatalogueEntry } from './catalogue-entry.js';
import { InputError } from './input-error.js';
import { nestsDeeperThan } from './json-depth.js';

/** A hostile file cannot make one line hold more than this in memory. */
const MAX_LINE_BYTES = 8 * 1024 * 1024;
/** A product in the API's shape is a few levels deep (product, variants, a variant's image); far deeper is no product. */
export const MAX_JSON_DEPTH = 64;

/**
 * JSON Lines of the API's product shape, one product per line (blank lines skipped), streamed. A line
 * that is not JSON, or nested deeper than MAX_JSON_DEPTH, is that product's failure; a line longer
 * than 8 MiB stops the file (InputError).
 */
export async function* readJsonlEntries(source: Readable): AsyncGenerator<CatalogueEntry> {
  const lines = createInterface({ input: source.pipe(lineLengthGuard()), crlfDelay: Infinity });
  let number = 0;
  let seq = 0;
  for await (const raw of lines) {
    number += 1;
    const line = raw.trim();
    if (line === '') continue;
    if (nestsDeeperThan(line, MAX_JSON_DEPTH)) {
      yield failed(seq++, number, `nested deeper than ${MAX_JSON_DEPTH} levels: a product is a few levels deep`);
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

/** Passes the bytes on, failing the stream as soon as a line outgrows MAX_LINE_BYTES (readline would hold it whole). */
function lineLengthGuard(): Transform {
  let run = 0;
  let line = 1;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      for (let at = 0; at < chunk.length; ) {
        const newline = chunk.indexOf(10, at);
        const end = newline < 0 ? chunk.length : newline;
        run += end - at;
        if (run > MAX_LINE_BYTES) return done(new InputError(`line ${line} is longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB`));
        if (newline < 0) break;
        run = 0;
        line += 1;
        at = newline + 1;
      }
      done(null, chunk);
    },
  });
}

function failed(seq: number, line: number, reason: string): CatalogueEntry {
  return { seq, handle: '', lines: [line], product: {}, images: [], problems: [{ line, reason }] };
}
