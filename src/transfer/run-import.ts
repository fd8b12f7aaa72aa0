import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Clock } from '../domain/ports.js';
import type { ImportJournal, ItemOutcome } from '../storage/import-journal.js';
import type { CatalogueEntry, RowProblem } from './catalogue-entry.js';
import type { CatalogueWriter } from './catalogue-writer.js';
import { InputError } from './input-error.js';
import { readCsvEntries } from './read-csv.js';
import { readJsonlEntries } from './read-jsonl.js';

export type ImportFormat = 'csv' | 'jsonl';

export interface ImportProgress {
  /** Products settled, this run and the stopped runs it continues. */
  done: number;
  total: number;
  created: number;
  updated: number;
  failed: number;
  /** Settled by an earlier, stopped run: not applied again. */
  resumed: number;
}

export interface ImportSummary extends ImportProgress {
  runId: string;
  /** Columns of a CSV this layout does not read. */
  ignoredColumns: string[];
  /** Every failed line, in line order, with its product's handle. */
  failures: Array<RowProblem & { handle: string }>;
  /** Images the products applied by this run hold now. */
  images: number;
}

export interface ImportOptions {
  shopId: string;
  file: string;
  format: ImportFormat;
  /** Products applied at once (each downloads its images at once, within the process's download bound). */
  concurrency: number;
  writer: CatalogueWriter;
  journal: ImportJournal;
  clock: Clock;
  onProgress?: (progress: ImportProgress) => void;
  /** Stops taking new products; those under way finish, and the run stays open to be continued. */
  signal?: AbortSignal;
}

/** The format a file's name says, or null. */
export function formatOf(file: string): ImportFormat | null {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  return null;
}

/**
 * Imports a file into a store. A first pass reads it whole (its hash names the run; its products are
 * counted for the progress), then its products are applied, `concurrency` at once. Each settled
 * product is written to the journal; a run found unfinished for the same file and store is continued,
 * skipping what it settled. A product failing is recorded with its lines and the run goes on; anything
 * else (the database gone) stops the run, which the next one continues.
 */
export async function runImport(options: ImportOptions): Promise<ImportSummary> {
  const { journal, writer } = options;
  const { key, total, ignoredColumns } = await survey(options.file, options.format);
  const run =
    (await journal.unfinished(options.shopId, key)) ??
    (await journal.start({ id: randomUUID(), shopId: options.shopId, inputKey: key, total, now: options.clock() }));
  const settled = new Map((await journal.settled(run.id)).map((item) => [item.seq, item]));
  const progress: ImportProgress = { done: settled.size, total, created: 0, updated: 0, failed: 0, resumed: settled.size };
  for (const item of settled.values()) progress[item.outcome] += 1;
  options.onProgress?.({ ...progress });
  let images = 0;
  const entries = readEntries(options.file, options.format)[Symbol.asyncIterator]();
  const worker = async () => {
    for (;;) {
      if (options.signal?.aborted) return;
      const next = await entries.next();
      if (next.done) return;
      const entry: CatalogueEntry = next.value;
      if (settled.has(entry.seq)) continue;
      const result = await writer.apply(options.shopId, entry);
      await journal.settle(run.id, { seq: entry.seq, handle: entry.handle, outcome: result.outcome, problems: result.problems });
      images += result.images;
      progress.done += 1;
      progress[result.outcome as ItemOutcome] += 1;
      options.onProgress?.({ ...progress });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  } finally {
    await entries.return?.(undefined);
  }
  if (!options.signal?.aborted) await journal.finish(run.id, options.clock());
  const failures = (await journal.settled(run.id))
    .flatMap((item) => item.problems.map((problem) => ({ ...problem, handle: item.handle })))
    .sort((a, b) => a.line - b.line);
  return { ...progress, runId: run.id, ignoredColumns, failures, images };
}

function readEntries(file: string, format: ImportFormat): AsyncIterable<CatalogueEntry> {
  const source = createReadStream(file);
  return format === 'csv' ? readCsvEntries(source) : readJsonlEntries(source);
}

/** The file's hash (with its format), how many products it holds, and its ignored columns; a broken file fails here, before anything is applied. */
async function survey(file: string, format: ImportFormat): Promise<{ key: string; total: number; ignoredColumns: string[] }> {
  const hash = createHash('sha256').update(`${format}\n`);
  let ignoredColumns: string[] = [];
  const source: Readable = createReadStream(file);
  source.on('data', (chunk) => hash.update(chunk as Buffer));
  let total = 0;
  try {
    const entries = format === 'csv' ? readCsvEntries(source, (header) => (ignoredColumns = header.ignored)) : readJsonlEntries(source);
    for await (const _entry of entries) total += 1;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return { key: hash.digest('hex'), total, ignoredColumns };
}
