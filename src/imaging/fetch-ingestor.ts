import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { validation } from '../domain/errors.js';
import type { ImageIngestor, IngestedImage } from '../domain/ingest.js';
import { type BlobStore, isBlobName } from './blob-store.js';
import { failureMessage } from './failure-message.js';
import { FetchFailure } from './fetch-failure.js';
import { DEFAULT_MAX_PIXELS, ProbeFailure, probeImage } from './probe.js';
import { createSafeFetcher } from './safe-fetch.js';
import { WorkQueue } from './work-queue.js';

export interface FetchIngestorOptions {
  blobs: BlobStore;
  /**
   * Public base of stored files without a trailing slash, e.g. `//cdn.example.com` or
   * `//127.0.0.1:8080/cdn`; a function when it is only known once the server listens.
   */
  cdnBase: string | (() => string);
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
}

/**
 * The real ImageIngestor: downloads `src`, keeps it only if it is a whole image of a supported
 * format within the limits, stores it under the md5 of its bytes and answers with our CDN URL and the
 * measured size (what the client sent is ignored: the file decides). Every refusal is a Validation
 * error with one message; nothing is stored unless every check passed.
 */
export interface FetchIngestor extends ImageIngestor {
  /** Closes the kept-alive connections to origins. */
  close(): Promise<void>;
}

export function createFetchIngestor(options: FetchIngestorOptions): FetchIngestor {
  const { blobs } = options;
  const cdnBaseOf = () => checkedCdnBase(typeof options.cdnBase === 'function' ? options.cdnBase() : options.cdnBase);
  if (typeof options.cdnBase === 'string') cdnBaseOf();
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const fetcher = createSafeFetcher({
    allowPrivate: options.allowPrivate ?? false,
    maxBytes: options.maxBytes,
    connectTimeoutMs: options.connectTimeoutMs,
    totalTimeoutMs: options.totalTimeoutMs,
  });
  const stored = (name: string, size: { width: number; height: number }): IngestedImage => ({
    src: `${cdnBaseOf()}/${name}`,
    path: name,
    width: size.width,
    height: size.height,
  });

  const downloads = options.downloads ?? new WorkQueue({ concurrency: 4, maxWaiting: 512, what: 'image downloads' });
  const decodes = options.decodes ?? new WorkQueue({ concurrency: availableParallelism(), maxWaiting: 512, what: 'image decodes' });
  // Downloaded bytes stay with their answer until the request's rows commit (ImageFiles.ensure), so a
  // body of 50 copies of one photo would hold 50 copies: equal content shares one buffer instead.
  const alive = new Map<string, WeakRef<Buffer>>();
  const forget = new FinalizationRegistry<string>((hash) => {
    if (alive.get(hash)?.deref() === undefined) alive.delete(hash);
  });
  const shared = (hash: string, bytes: Buffer): Buffer => {
    const kept = alive.get(hash)?.deref();
    if (kept !== undefined) return kept;
    alive.set(hash, new WeakRef(bytes));
    forget.register(bytes, hash);
    return bytes;
  };
  const probe = (bytes: Buffer, contentType: string | undefined) => probeImage(bytes, contentType, maxPixels).catch(refuse);

  return {
    // The queue's wait is its own: the origin's timeouts start once the download leaves it, and a
    // wait too long is the server's saturation (503), never blamed on the origin.
    ingest: (src, _sent, signal) => downloads.run(() => ingestNow(src), signal),
    close: () => fetcher.close(),
  };

  async function ingestNow(src: string): Promise<IngestedImage> {
    // Re-saving a product sends back the URLs we gave out; downloading them from ourselves again
    // would be wasted work (and, on a private network, refused by the guard).
    const own = ownBlobName(src, cdnBaseOf());
    const kept = own === null ? null : await blobs.get(own);
    if (own !== null && kept !== null) return { ...stored(own, await decodes.run(() => probe(kept, undefined))), bytes: kept };

    const fetched = await fetcher.fetch(absolute(src)).catch(refuse);
    const hash = createHash('md5').update(fetched.bytes).digest('hex');
    const name = (ext: string) => `${hash}.${ext}`;
    // The check and the durable write both use libuv's threads (sharp, fsync): few at once leaves
    // threads for serving stored files. A file already stored under its content address is not
    // written again; should it go before this image's row lands, ImageFiles.ensure puts it back.
    const image = await decodes.run(async () => {
      const probed = await probe(fetched.bytes, fetched.contentType);
      if (!(await blobs.has(name(probed.format.ext)))) await blobs.put(name(probed.format.ext), fetched.bytes);
      return probed;
    });
    // The bytes go back with the answer so ImageFiles.ensure can restore the file if need be.
    return { ...stored(name(image.format.ext), image), bytes: shared(hash, fetched.bytes) };
  }
}

/** The blob name when `src` is a file under our own CDN base (with or without a scheme), else null. */
export function ownBlobName(src: string, cdnBase: string): string | null {
  const withoutScheme = (url: string) => url.replace(/^https?:/i, '');
  const prefix = `${withoutScheme(cdnBase)}/`;
  const candidate = withoutScheme(src);
  if (!candidate.toLowerCase().startsWith(prefix.toLowerCase())) return null;
  const name = candidate.slice(prefix.length);
  return isBlobName(name) ? name : null;
}

/** A protocol-relative `src` is fetched over HTTPS, as a browser on an HTTPS page would. */
function absolute(src: string): string {
  return src.startsWith('//') ? `https:${src}` : src;
}

function checkedCdnBase(cdnBase: string): string {
  const base = cdnBase.replace(/\/+$/, '');
  let ok = false;
  try {
    ok = /^(https?:)?\/\/[^/]/i.test(base) && new URL(absolute(base)).hostname !== '';
  } catch {
    ok = false;
  }
  if (!ok) throw new Error(`expected cdnBase like //cdn.example.com or https://cdn.example.com/images, got ${JSON.stringify(cdnBase)}`);
  return base;
}

function refuse(error: unknown): never {
  if (error instanceof FetchFailure || error instanceof ProbeFailure) throw validation([failureMessage(error.reason)]);
  throw error;
}
