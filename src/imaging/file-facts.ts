import { createHash } from 'node:crypto';
import type { Image } from '../domain/entities.js';
import type { FileFacts } from '../domain/image-audit.js';
import { type BlobStore, blobHash, isBlobName } from './blob-store.js';
import { failureMessage } from './failure-message.js';
import { FetchFailure } from './fetch-failure.js';
import { absolute } from './fetch-ingestor.js';
import { ProbeFailure, probeImage } from './probe.js';
import { createSafeFetcher, type SafeFetcher } from './safe-fetch.js';
import type { StoredFactsCache } from './stored-facts-cache.js';

/** How external images are fetched when the audit is asked to (`--check-external`): the ingestion's own limits and guard. */
export interface ExternalFetch {
  allowPrivate: boolean;
  maxBytes: number;
  connectTimeoutMs: number;
  totalTimeoutMs: number;
}

export interface FileFactsReader {
  /** What the image's file is: read from the library, fetched (external, when asked), or not checked. */
  read(image: Pick<Image, 'src' | 'path'>): Promise<FileFacts>;
  /** Closes the fetcher's connections, if there is one. */
  close(): Promise<void>;
}

/**
 * An image's file is in the library when its row names a stored file (`src` and `path` both the
 * blob name, as ingestion writes them); anything else is an external URL kept as sent (ingestion
 * off). A stored file's md5 is its name's first part, so duplicates need no hashing; its size is
 * measured by the probe ingestion uses (header, pixel limit, decode check), so a file that ingestion
 * would refuse today is reported unreadable.
 */
export function createFileFactsReader(options: { blobs: BlobStore; maxPixels: number; external?: ExternalFetch; cache?: StoredFactsCache }): FileFactsReader {
  const { blobs, maxPixels } = options;
  const fetcher: SafeFetcher | undefined = options.external ? createSafeFetcher(options.external) : undefined;

  const measure = async (bytes: Buffer, contentType: string | undefined, hash: string): Promise<FileFacts> => {
    try {
      const probed = await probeImage(bytes, contentType, maxPixels);
      return { kind: 'read', bytes: bytes.length, width: probed.width, height: probed.height, hash };
    } catch (error) {
      return unreadable(error);
    }
  };

  return {
    async read(image) {
      if (isStored(image)) {
        const known = options.cache?.get(image.path);
        if (known) return known;
        let bytes: Buffer | null;
        try {
          bytes = await blobs.get(image.path);
        } catch (error) {
          return unreadable(error);
        }
        if (bytes === null) return { kind: 'missing' };
        const facts = await measure(bytes, undefined, blobHash(image.path));
        options.cache?.remember(image.path, facts);
        return facts;
      }
      if (!fetcher) return { kind: 'not-checked' };
      try {
        const fetched = await fetcher.fetch(absolute(image.src));
        return measure(fetched.bytes, fetched.contentType, createHash('md5').update(fetched.bytes).digest('hex'));
      } catch (error) {
        return unreadable(error);
      }
    },
    close: async () => fetcher?.close(),
  };
}

export function isStored(image: Pick<Image, 'src' | 'path'>): boolean {
  return image.src === image.path && isBlobName(image.path);
}

function unreadable(error: unknown): FileFacts {
  if (error instanceof FetchFailure || error instanceof ProbeFailure) return { kind: 'unreadable', reason: failureMessage(error.reason) };
  return { kind: 'unreadable', reason: error instanceof Error ? error.message : String(error) };
}
