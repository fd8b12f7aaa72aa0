import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { validation } from '../domain/errors.js';
import { type ImageIngestor, type IngestedImage, isLibraryReference } from '../domain/ingest.js';
import { type BlobStore, isBlobName, isVariantName } from './blob-store.js';
import { failureMessage } from './failure-message.js';
import { FetchFailure } from './fetch-failure.js';
import { createKeptBytes, type KeptBytes } from './kept-bytes.js';
import { DEFAULT_MAX_PIXELS, ProbeFailure, probeImage } from './probe.js';
import { createSafeFetcher, FETCH_DEFAULTS } from './safe-fetch.js';
import { storeChecked } from './store-checked.js';
import { WorkQueue } from './work-queue.js';

export interface FetchIngestorOptions {
  /** The durable store itself, never a memory cache in front of it: what is reused must be on disk. */
  blobs: BlobStore;
  /**
   * The bytes our CDN serves for a variant reference (`<md5>_400x.jpg`, `<md5>.jpg?width=400`),
   * rendered if need be; null when it serves nothing there. Without it only stored variants resolve.
   */
  renderOwn?: (name: string, query: Readonly<Record<string, string>>) => Promise<Buffer | null>;
  /** Lifts the private-address guard: local development and tests only. */
  allowPrivate?: boolean;
  /** Default 20 MiB. */
  maxBytes?: number;
  /** Default 50 megapixels. */
  maxPixels?: number;
  /** Default 10 s. */
  connectTimeoutMs?: number;
  /** Default 30 s, counted from when the download leaves the queue. */
  totalTimeoutMs?: number;
  /** Every download waits here for a slot it keeps until stored: bounded concurrency (so bytes in flight), bounded wait. */
  downloads?: WorkQueue;
  /** Within a download's slot, its decode check and store wait here: about the number of cores at once. */
  decodes?: WorkQueue;
  /**
   * Where checked files wait for their rows to commit. Default: in memory up to 4 x `maxBytes` (the
   * default download concurrency's worth), beyond that in `<os temp dir>/prodimg-spool`.
   */
  kept?: KeptBytes;
}

/**
 * The real ImageIngestor: downloads `src`, keeps it only if it is a whole image of a supported
 * format within the limits, stores it under the md5 of its bytes and answers with that file name and
 * the measured size (what the client sent is ignored: the file decides). A reference into our own
 * library is resolved against the store instead: a stored original is reused as it is, a variant
 * becomes an original of its own, and a name that is not stored is refused. Every refusal is a
 * Validation error with one message; nothing is stored unless every check passed.
 */
export interface FetchIngestor extends ImageIngestor {
  /** Closes the kept-alive connections to origins. */
  close(): Promise<void>;
}

export function createFetchIngestor(options: FetchIngestorOptions): FetchIngestor {
  const { blobs } = options;
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const fetcher = createSafeFetcher({
    allowPrivate: options.allowPrivate ?? false,
    maxBytes: options.maxBytes,
    connectTimeoutMs: options.connectTimeoutMs,
    totalTimeoutMs: options.totalTimeoutMs,
  });
  const kept =
    options.kept ??
    createKeptBytes({
      memoryBytes: 4 * (options.maxBytes ?? FETCH_DEFAULTS.maxBytes),
      spoolDir: join(tmpdir(), 'prodimg-spool'),
      ...(blobs.hardLink ? { link: (name, target) => blobs.hardLink!(name, target) } : {}),
    });
  // The bytes go back with the answer, as a handle, so ImageFiles.ensure can restore the file if need be.
  const stored = async (name: string, size: { width: number; height: number }, bytes: Buffer): Promise<IngestedImage> => ({
    src: name,
    path: name,
    width: size.width,
    height: size.height,
    keep: await kept.keep(name, bytes),
  });
  const downloads = options.downloads ?? new WorkQueue({ concurrency: 4, maxWaiting: 512, what: 'image downloads' });
  const decodes = options.decodes ?? new WorkQueue({ concurrency: availableParallelism(), maxWaiting: 512, what: 'image decodes' });
  const probe = (bytes: Buffer, contentType: string | undefined) => probeImage(bytes, contentType, maxPixels).catch(refuse);

  /** Should the file go before this image's row lands, ImageFiles.ensure puts it back. */
  const keep = async (bytes: Buffer, contentType: string | undefined) => {
    const image = await storeChecked(bytes, contentType, { blobs, decodes, probe });
    return stored(image.name, image, bytes);
  };

  /** Re-saving a product sends back the URLs we gave out: they name files, never downloads from ourselves. */
  async function fromLibrary(reference: string): Promise<IngestedImage> {
    const [name = '', search = ''] = reference.split(/\?(.*)/s, 2);
    const query = Object.fromEntries(new URLSearchParams(search));
    const original = search === '' && isBlobName(name) && !isVariantName(name);
    if (original) {
      const bytes = await blobs.get(name);
      if (bytes === null) throw notInLibrary(name);
      return stored(name, await decodes.run(() => probe(bytes, undefined)), bytes);
    }
    // A variant is a file of its own: it is kept as an original, so it counts as used by its image.
    const bytes = (options.renderOwn ? await options.renderOwn(name, query).catch(() => null) : null) ?? (search === '' && isBlobName(name) ? await blobs.get(name) : null);
    if (bytes === null) throw notInLibrary(name);
    return keep(bytes, undefined);
  }

  async function download(src: string): Promise<IngestedImage> {
    const fetched = await fetcher.fetch(absolute(src)).catch(refuse);
    return keep(fetched.bytes, fetched.contentType);
  }

  return {
    // The queue's wait is its own: the origin's timeouts start once the download leaves it, and a
    // wait too long is the server's saturation (503), never blamed on the origin. A library file is
    // read whole and decoded too, so it takes a slot like a download: a body naming many of them
    // waits its turn instead of overflowing the decode queue, which holds only the slots' decodes.
    ingest: (src, _sent, signal) => downloads.run(() => (isLibraryReference(src) ? fromLibrary(src) : download(src)), signal),
    close: () => fetcher.close(),
  };
}

function notInLibrary(name: string) {
  const shown = name.length > 80 ? `${name.slice(0, 80)}...` : name;
  return validation([`Src names a file that is not in the image library (${shown})`]);
}

/** A protocol-relative `src` is fetched over HTTPS, as a browser on an HTTPS page would. */
export function absolute(src: string): string {
  return src.startsWith('//') ? `https:${src}` : src;
}

function refuse(error: unknown): never {
  if (error instanceof FetchFailure || error instanceof ProbeFailure) throw validation([failureMessage(error.reason)]);
  throw error;
}
