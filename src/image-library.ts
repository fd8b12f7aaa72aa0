import { join } from 'node:path';
import type { Config } from './config.js';
import type { ImageFiles } from './domain/image-files.js';
import { type ImageIngestor, passthroughIngestor } from './domain/ingest.js';
import type { BlobStore } from './imaging/blob-store.js';
import type { FetchIngestorOptions } from './imaging/fetch-ingestor.js';
import { createImageFiles } from './imaging/image-files.js';
import { createKeptBytes, type KeptBytes } from './imaging/kept-bytes.js';
import { createMemoryCachedBlobStore } from './imaging/memory-cached-blob-store.js';
import type { S3RequestRecorder } from './imaging/s3-client.js';
import { WorkQueue } from './imaging/work-queue.js';
import { openBlobStore } from './open-blob-store.js';
import type { Database } from './storage/database.js';

/** The image library as a process uses it: where files live, how a `src` becomes one, and the bounds on that work. */
export interface ImageLibrary {
  /** The durable store: what is reused or checked must really be there. */
  stored: BlobStore;
  /** `stored`, behind the memory cache of recently served files when the server asked for it. */
  blobs: BlobStore;
  ingestor: ImageIngestor;
  files: ImageFiles;
  downloads: WorkQueue;
  decodes: WorkQueue;
  kept: KeptBytes;
  spoolDir: string;
  /** Closes the downloader's kept-alive connections. */
  close(): Promise<void>;
}

export interface ImageLibraryOptions {
  /** Whether an image path is still named by a row (a file is released only when none does). */
  isUsed: (path: string) => Promise<boolean>;
  /** Replaces the one chosen by config (PRODIMG_INGEST). */
  ingestor?: ImageIngestor;
  /** The bytes our CDN serves for a variant reference; the server passes its CDN's. */
  renderOwn?: FetchIngestorOptions['renderOwn'];
  /** Keep recently served files in memory (PRODIMG_BLOB_CACHE_MB): the server's. */
  memoryCache?: boolean;
  /** Told of each request to an S3 bucket (PRODIMG_BLOB_STORE=s3): the server's metrics. */
  s3Requests?: S3RequestRecorder;
}

/**
 * What the server and the CLI (an import) both assemble from the settings: one download queue and
 * one decode queue bound all ingestion of the process, and checked files wait for their rows within
 * one memory budget, beyond it in the data directory's spool (a hard link of the stored file when it
 * is on the same disk).
 */
export async function openImageLibrary(config: Config, database: Database, options: ImageLibraryOptions): Promise<ImageLibrary> {
  const stored = openBlobStore(config, database, options.s3Requests);
  const blobs =
    options.memoryCache && config.blobCacheBytes > 0 ? createMemoryCachedBlobStore(stored, { maxBytes: config.blobCacheBytes, maxItemBytes: 1024 * 1024 }) : stored;
  const downloads = new WorkQueue({
    concurrency: config.ingestConcurrency,
    maxWaiting: config.ingestQueue,
    maxWaitMs: config.ingestQueueWaitMs,
    what: 'image downloads',
  });
  // A decode waits inside its download's slot, so its list never holds more than the downloads running.
  const decodes = new WorkQueue({ concurrency: config.renderConcurrency, maxWaiting: config.ingestConcurrency, what: 'image decodes' });
  const spoolDir = join(config.dataDir, 'spool');
  const kept = createKeptBytes({
    memoryBytes: config.ingestKeepBytes,
    spoolDir,
    ...(stored.hardLink ? { link: (name: string, target: string) => stored.hardLink!(name, target) } : {}),
  });
  // The durable store, not the memory cache: a file is reused only if it is really there.
  const fetching =
    !options.ingestor && config.ingest === 'fetch'
      ? await (await import('./imaging/fetch-ingestor.js')).createFetchIngestor({
          downloads,
          decodes,
          kept,
          blobs: stored,
          ...(options.renderOwn ? { renderOwn: options.renderOwn } : {}),
          allowPrivate: config.allowPrivateSources,
          maxBytes: config.maxSourceBytes,
          maxPixels: config.maxPixels,
          connectTimeoutMs: config.fetchConnectTimeoutMs,
          totalTimeoutMs: config.fetchTimeoutMs,
        })
      : null;
  return {
    stored,
    blobs,
    ingestor: options.ingestor ?? fetching ?? passthroughIngestor,
    // Also with ingestion off: files stored while it was on are still released when their images go.
    files: createImageFiles(blobs, options.isUsed, stored),
    downloads,
    decodes,
    kept,
    spoolDir,
    close: async () => {
      await fetching?.close();
    },
  };
}
