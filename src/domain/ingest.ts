export interface IngestedImage {
  /** What the row stores: a URL as sent, or (for a file of our library) the file name alone. */
  src: string;
  path: string;
  width: number;
  height: number;
  /** When the ingestor stored a file: its bytes kept until the row naming it commits (see ImageFiles.ensure). */
  keep?: KeptFile;
}

/**
 * How to put a stored file back should it go before the row naming it commits (a concurrent release
 * of the same content). Held in memory or spooled to disk within a global budget; whoever got it
 * from the ingestor calls `done` on every path, after ensure or when the request failed.
 */
export interface KeptFile {
  /** The file's bytes; null if they were lost meanwhile (a spool file swept as stale). */
  restore(): Promise<Uint8Array | null>;
  /** Frees the memory or spool file. Safe to call more than once. */
  done(): void;
}

/** Lets go of every handle among `images` (null entries allowed): the request is over either way. */
export function letGo(images: ReadonlyArray<IngestedImage | null | undefined>): void {
  for (const image of images) image?.keep?.done();
}

/**
 * Turns a client's `src` into what the image record stores. The default (PRODIMG_INGEST=fetch,
 * imaging/fetch-ingestor.ts) downloads, checks, measures and stores the file and keeps its file name
 * (the answer makes the URL); passthroughIngestor (off) keeps the URL and sizes as sent. A `src` the
 * contract recognised as one of our own CDN's URLs arrives as a library reference (see below).
 */
export interface ImageIngestor {
  /** `signal` aborts work not yet begun (the request already failed). */
  ingest(src: string, sent: { width: number; height: number }, signal?: AbortSignal): Promise<IngestedImage>;
}

/** The file name a URL points at: its last path segment, or '' when it has none. */
export function fileNameOf(src: string): string {
  const withScheme = src.startsWith('//') ? `http:${src}` : src;
  try {
    const segments = new URL(withScheme).pathname.split('/');
    // %00 decodes to a character no database column should get.
    return decodeURIComponent(segments[segments.length - 1] ?? '').replaceAll('\u0000', '');
  } catch {
    return '';
  }
}

/** PRODIMG_INGEST=off: a stand-in for test suites that must not fetch anything. */
export const passthroughIngestor: ImageIngestor = {
  async ingest(src, sent) {
    return { src, path: isLibraryReference(src) ? src.split('?', 1)[0]! : fileNameOf(src), width: sent.width, height: sent.height };
  },
};

/**
 * Whether a `src` is a reference into our own library (`<md5>.jpg`, `<md5>_400x.jpg`,
 * `<md5>.jpg?width=400`) rather than a URL: every URL a client may send starts with `http:`, `https:`
 * or `//` (contract/fields.ts), and the contract turns our own CDN's URLs into references.
 */
export function isLibraryReference(src: string): boolean {
  return !/^(https?:)?\/\//i.test(src);
}
