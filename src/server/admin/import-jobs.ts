import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyBaseLogger } from 'fastify';
import { binarySize } from '../../contract/error-catalogue.js';
import type { WireContext } from '../../contract/library-src.js';
import { DomainError, payloadTooLarge, recordNotFound, validation } from '../../domain/errors.js';
import type { Clock } from '../../domain/ports.js';
import type { ProductService } from '../../domain/product-service.js';
import type { BlobStore } from '../../imaging/blob-store.js';
import { makeFolder } from '../../imaging/make-folder.js';
import type { ImportJournal } from '../../storage/import-journal.js';
import { storageFailure } from '../storage-failure.js';
import { CatalogueWriter } from '../../transfer/catalogue-writer.js';
import { InputError } from '../../transfer/input-error.js';
import { writeReport } from '../../transfer/report-file.js';
import { type ImportFormat, type ImportProgress, runImport } from '../../transfer/run-import.js';

export type ImportState = 'running' | 'finished' | 'failed' | 'stopped';

/** What the admin page polls: the job's state and counts, as JSON. */
export interface ImportJobView extends ImportProgress {
  id: string;
  state: ImportState;
  /** Why it failed (a file that cannot be read, the database gone), in words; null otherwise. */
  message: string | null;
  /** Lines of the input the report lists (a failed product lists all its lines). */
  failed_rows: number;
  ignored_columns: string[];
  /** Whether `GET .../imports/<id>/report` answers the report now. */
  report: boolean;
}

interface ImportJob {
  id: string;
  shopId: string;
  state: ImportState;
  message: string | null;
  progress: ImportProgress;
  failedRows: number;
  ignoredColumns: string[];
  /** The report file, once written. */
  report: string | null;
  /** When it ended (ms since the epoch), for dropping it later; null while it runs. */
  endedAt: number | null;
  stop: AbortController;
  run: Promise<void>;
}

export interface ImportJobsOptions {
  /** Where uploads and reports wait: `<PRODIMG_DATA_DIR>/imports`. */
  dir: string;
  products: ProductService;
  journal: ImportJournal;
  /** The durable store (the writer reuses a source's earlier file only when it is there). */
  blobs: BlobStore;
  clock: Clock;
  /** The largest file taken, in bytes. */
  maxBytes: number;
  /** Products applied at once by one import; the image library's download queue bounds the rest. */
  concurrency: number;
  logger: FastifyBaseLogger;
  /** Ended jobs are forgotten (their report deleted) this long after they end... */
  keepMs?: number;
  /** ...or sooner, the oldest first, beyond this many jobs. */
  maxJobs?: number;
  now?: () => number;
}

/** An upload or report untouched this long is a leftover, whatever the process that made it. */
const LEFTOVER_MS = 24 * 60 * 60 * 1000;

const EMPTY: ImportProgress = { done: 0, total: 0, created: 0, updated: 0, failed: 0, resumed: 0 };

/**
 * The imports started from the admin page, run in the server process and held in memory: the
 * upload is streamed to a file under the data directory, then `runImport` applies it in the
 * background while the page polls. A restart forgets the job, but the run's journal is in the
 * database: uploading the same file again into the same store continues it. Closing stops the runs
 * (the products under way finish) and waits for them, so the database never closes under one.
 */
export class ImportJobs {
  private readonly jobs = new Map<string, ImportJob>();
  private readonly keepMs: number;
  private readonly maxJobs: number;
  private readonly now: () => number;
  private swept = false;

  constructor(private readonly options: ImportJobsOptions) {
    this.keepMs = options.keepMs ?? 60 * 60 * 1000;
    this.maxJobs = options.maxJobs ?? 50;
    this.now = options.now ?? Date.now;
  }

  /**
   * Takes the file from `body` and starts importing it into the store; answers once the file is
   * stored, before any product is applied. `length` is the announced Content-Length, if any.
   */
  async start(input: { shopId: string; format: ImportFormat; body: Readable; length: number | undefined; wire: WireContext }): Promise<ImportJobView> {
    this.forgetEnded(1);
    const { maxBytes } = this.options;
    const tooLarge = () => payloadTooLarge(`the file is larger than ${binarySize(maxBytes)}, the most an import from this page takes; use prodimg import on the server for larger ones`);
    if (input.length !== undefined && input.length > maxBytes) throw tooLarge();
    for (const job of this.jobs.values()) {
      if (job.shopId === input.shopId && job.state === 'running') throw validation(['an import into this store is running: wait for it to end, then import again']);
    }
    const id = randomUUID();
    await makeFolder(this.options.dir);
    await this.sweepOnce();
    const file = join(this.options.dir, `${id}.${input.format}`);
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done(bytes > maxBytes ? tooLarge() : null, chunk);
      },
    });
    try {
      await pipeline(input.body, counter, createWriteStream(file));
      if (bytes === 0) throw validation(['the file is empty: choose a CSV in the product spreadsheet layout or a JSON Lines file']);
    } catch (err) {
      await rm(file, { force: true });
      if (err instanceof DomainError) throw err;
      throw storageFailure(err) ?? validation([`the file did not arrive whole: ${(err as Error).message}`]);
    }
    const job: ImportJob = {
      id,
      shopId: input.shopId,
      state: 'running',
      message: null,
      progress: { ...EMPTY },
      failedRows: 0,
      ignoredColumns: [],
      report: null,
      endedAt: null,
      stop: new AbortController(),
      run: Promise.resolve(),
    };
    this.jobs.set(id, job);
    job.run = this.run(job, file, input.format, input.wire);
    return viewOf(job);
  }

  /** The job of this store, or RecordNotFound (also for another store's job). */
  get(shopId: string, id: string): ImportJobView {
    return viewOf(this.find(shopId, id));
  }

  /** The finished job's report, streamed. */
  report(shopId: string, id: string): Readable {
    const job = this.find(shopId, id);
    if (job.report === null) throw validation([job.state === 'running' ? 'the import is still running: its report comes when it ends' : 'this import has no report: it did not run to its end']);
    return createReadStream(job.report);
  }

  /** Stops every run (the products under way finish) and waits for them. */
  async close(): Promise<void> {
    for (const job of this.jobs.values()) job.stop.abort();
    await Promise.all([...this.jobs.values()].map((job) => job.run));
  }

  private find(shopId: string, id: string): ImportJob {
    this.forgetEnded();
    const job = this.jobs.get(id);
    if (!job || job.shopId !== shopId) throw recordNotFound();
    return job;
  }

  private async run(job: ImportJob, file: string, format: ImportFormat, wire: WireContext): Promise<void> {
    const { products, journal, blobs, clock, concurrency, logger } = this.options;
    const writer = new CatalogueWriter({ products, journal, blobs, wire, clock });
    let ending: Pick<ImportJob, 'state' | 'message' | 'report'>;
    try {
      const summary = await runImport({
        shopId: job.shopId,
        file,
        format,
        concurrency,
        writer,
        journal,
        clock,
        signal: job.stop.signal,
        onProgress: (progress) => (job.progress = progress),
      });
      job.progress = summary;
      job.failedRows = summary.failures.length;
      job.ignoredColumns = summary.ignoredColumns;
      if (job.stop.signal.aborted) {
        ending = { state: 'stopped', message: 'the server stopped while importing: import the same file again to continue', report: null };
      } else {
        const report = join(this.options.dir, `${job.id}.report.csv`);
        await writeReport(report, summary.failures);
        ending = { state: 'finished', message: null, report };
      }
    } catch (err) {
      if (!(err instanceof InputError)) logger.error({ err, import: job.id }, 'import failed');
      const message = err instanceof InputError ? err.message : `the import stopped: ${(err as Error).message}; import the same file again to continue`;
      ending = { state: 'failed', message, report: null };
    }
    // The upload is removed before the job says it ended: what the page sees next is all there is.
    await rm(file, { force: true }).catch((err: unknown) => logger.error({ err, file }, 'cannot remove an import\'s upload'));
    Object.assign(job, ending, { endedAt: this.now() });
  }

  /**
   * Files a crash or a restart left behind (uploads under way, reports of forgotten jobs), once per
   * process: only those older than a day, as other processes sharing the data directory (`--workers`)
   * may be importing now.
   */
  private async sweepOnce(): Promise<void> {
    if (this.swept) return;
    this.swept = true;
    for (const name of await readdir(this.options.dir)) {
      const path = join(this.options.dir, name);
      const { mtimeMs } = await stat(path).catch(() => ({ mtimeMs: Infinity }));
      if (this.now() - mtimeMs > LEFTOVER_MS) await rm(path, { force: true });
    }
  }

  /** Ended jobs past their time, and beyond the bound (less `room`) the oldest ended ones, are forgotten with their reports. */
  private forgetEnded(room = 0): void {
    const ended = [...this.jobs.values()].filter((job) => job.endedAt !== null).sort((a, b) => a.endedAt! - b.endedAt!);
    let over = this.jobs.size + room - this.maxJobs;
    for (const job of ended) {
      if (over <= 0 && this.now() - job.endedAt! < this.keepMs) continue;
      this.jobs.delete(job.id);
      over -= 1;
      if (job.report !== null) void rm(job.report, { force: true });
    }
  }
}

function viewOf(job: ImportJob): ImportJobView {
  const { done, total, created, updated, failed, resumed } = job.progress;
  return {
    id: job.id,
    state: job.state,
    message: job.message,
    done,
    total,
    created,
    updated,
    failed,
    resumed,
    failed_rows: job.failedRows,
    ignored_columns: job.ignoredColumns,
    report: job.report !== null,
  };
}
