import { Readable } from 'node:stream';
import { FORMATS } from './sniff.js';

/**
 * Where image files live. Names are `<md5 of the bytes>[_<w>x<h>[_c]].<ext>`: content addresses, so a
 * name always means the same bytes and putting it twice is harmless. A suffixed name is a variant
 * rendered from the original with that hash (`_c`: cropped to exactly that box), the ext being the
 * variant's own format. Every adapter refuses any other
 * name, which rules out path traversal and odd keys whatever the backend does with them.
 */
export interface BlobStore {
  /** Stores the bytes; a name that is already stored is left as it is. */
  put(name: string, bytes: Uint8Array): Promise<void>;
  get(name: string): Promise<Buffer | null>;
  /** For serving: the size (for Content-Length) and the bytes as a stream. */
  stream(name: string): Promise<StoredBlob | null>;
  has(name: string): Promise<boolean>;
  /** True when something was deleted. */
  delete(name: string): Promise<boolean>;
  /** Every stored name, once each, in no particular order. */
  list(): AsyncIterable<string>;
  /** Deletes an original and all its variants (every name starting with the 32-hex `hash`); returns how many. */
  deleteFamily(hash: string): Promise<number>;
  /** Removes leftovers of writes that never finished (a crash mid-put: temp files, open multipart uploads) older than `ms`; returns how many. */
  sweepUnfinished?(olderThanMs: number): Promise<number>;
  /**
   * Makes `target` (a path on the same disk, outside the store) another name of the stored file,
   * costing no copy; false when `name` is not stored. Only stores of files on a local disk have it.
   */
  hardLink?(name: string, target: string): Promise<boolean>;
  /**
   * Writes and removes a small file where blobs are written; rejects when that fails (a full disk,
   * a read-only mount, a bucket refusing writes): for /readyz, since a lookup still succeeds on a
   * disk that takes no more files. Stores of files on a local disk and in a bucket have it.
   */
  checkWritable?(): Promise<void>;
}

export interface StoredBlob {
  size: number;
  body: Readable;
  /** The whole file, when the store already holds it in memory: sending a Buffer beats a stream. */
  bytes?: Buffer;
  /**
   * Bytes `start` to `end` (inclusive) read from the store itself, for a store that does that
   * cheaper than reading from the start (a bucket's ranged GET); the caller destroys `body` first.
   * Without it a range is cut out of `body` (slice-stream.ts).
   */
  range?(start: number, end: number): Readable;
}

/** A blob held in memory; its stream is made only if someone asks (callers that see `bytes` send those). */
export function blobFromBytes(bytes: Buffer): StoredBlob {
  return {
    size: bytes.length,
    bytes,
    get body() {
      return Readable.from([bytes]);
    },
  };
}

const HASH_LENGTH = 32;
const HASH = `[0-9a-f]{${HASH_LENGTH}}`;
/** One extension per format that sniffing recognises. */
const EXTENSIONS = Object.values(FORMATS).map((format) => format.ext);

/**
 * The one grammar of stored names, `<hash>[_<w>x<h>[_c]].<ext>`; the CDN's URL names are the ones
 * without `_c` (see variant-spec.ts). Captures the hash, the width and the height (either may be
 * empty), `_c`, and the extension.
 */
export const BLOB_NAME = new RegExp(`^(${HASH})(?:_(\\d*)x(\\d*)(_c)?)?\\.(${EXTENSIONS.join('|')})$`);

const BLOB_HASH = new RegExp(`^${HASH}$`);

export function isBlobName(name: string): boolean {
  return BLOB_NAME.test(name);
}

/** The content hash a valid name starts with: an original and its variants share it. */
export function blobHash(name: string): string {
  return name.slice(0, HASH_LENGTH);
}

/** Whether a valid name is a variant (it has the `_<w>x<h>` part) rather than an original. */
export function isVariantName(name: string): boolean {
  return name.charAt(HASH_LENGTH) === '_';
}

export class InvalidBlobName extends Error {
  constructor(name: string) {
    const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}...` : name);
    super(`expected a blob name like <${HASH_LENGTH} hex digits>[_<w>x<h>[_c]].<${EXTENSIONS.join('|')}>, got ${shown}`);
    this.name = 'InvalidBlobName';
  }
}

export function assertBlobName(name: string): void {
  if (!isBlobName(name)) throw new InvalidBlobName(name);
}

export function assertBlobHash(hash: string): void {
  if (!BLOB_HASH.test(hash)) throw new Error(`expected ${HASH_LENGTH} hex digits, got ${JSON.stringify(hash)}`);
}
