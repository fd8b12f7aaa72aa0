import type { Readable } from 'node:stream';
import { badRequest } from '../domain/errors.js';
import { type BlobStore, blobFromBytes, type StoredBlob } from './blob-store.js';
import { planBlobResponse } from './blob-response.js';
import type { ImageTransform } from './image-transform.js';
import { negotiateFormat } from './negotiate-format.js';
import { sliceStream } from './slice-stream.js';
import { FORMATS, type ImageFormat } from './sniff.js';
import { parseVariantSpec, type VariantSpec, variantBlobName } from './variant-spec.js';

export interface CdnServiceOptions {
  blobs: BlobStore;
  /** The only widths and heights a client may ask for, in pixels. */
  sizes: readonly number[];
  transform: ImageTransform;
  /** A rendered variant that could not be stored; it is rendered again on its next request. */
  onStoreError?: (err: unknown, name: string) => void;
}

export interface CdnRequest {
  /** The path below `/cdn/`, decoded. */
  name: string;
  query: Readonly<Record<string, unknown>>;
  method: 'GET' | 'HEAD';
  accept: string | undefined;
  ifNoneMatch: string | undefined;
  range: string | undefined;
  ifRange: string | undefined;
}

export interface CdnResponse {
  status: number;
  headers: Record<string, string>;
  body: Readable | Buffer | null;
}

export interface CdnService {
  /** The response for a CDN request; null for not found. Throws a BadRequest for a refused size or option. */
  serve(request: CdnRequest): Promise<CdnResponse | null>;
  /** Resolves once every variant rendered so far is stored (or has failed to be). */
  close(): Promise<void>;
}

/**
 * Serves originals and their variants from the blob store. A variant is rendered on its first request
 * and answered from the rendered bytes at once; storing it under its deterministic name next to the
 * original (a durable write: temp file, fsync, rename) happens after, off the request's path. From
 * then on it is served like any stored file. Concurrent first requests for one variant share a single
 * render, until it is stored.
 */
export function createCdnService(options: CdnServiceOptions): CdnService {
  const { blobs, transform } = options;
  const sizes = checkedSizes(options.sizes);
  const rendering = new Map<string, Promise<Buffer | null>>();
  const storing = new Set<Promise<void>>();

  /** The variant's bytes; null when the original is gone. */
  async function render(spec: VariantSpec, format: ImageFormat): Promise<Buffer | null> {
    const bytes = await blobs.get(spec.original);
    if (bytes === null) return null;
    return transform.render(bytes, { width: spec.width, height: spec.height, crop: spec.crop, format });
  }

  /** Stores a variant; one whose original went while it rendered and stored is removed again. */
  async function store(spec: VariantSpec, target: string, bytes: Buffer): Promise<void> {
    await blobs.put(target, bytes);
    if (!(await blobs.has(spec.original))) await blobs.delete(target);
  }

  function renderOnce(spec: VariantSpec, target: string, format: ImageFormat): Promise<Buffer | null> {
    const pending = rendering.get(target);
    if (pending !== undefined) return pending;
    const rendered = render(spec, format);
    rendering.set(target, rendered);
    const stored: Promise<void> = rendered
      .then(
        (bytes) => (bytes === null ? undefined : store(spec, target, bytes).catch((err: unknown) => options.onStoreError?.(err, target))),
        // A failed render is the request's error, answered there.
        () => undefined,
      )
      .finally(() => {
        rendering.delete(target);
        storing.delete(stored);
      });
    storing.add(stored);
    return rendered;
  }

  return {
    async serve(request) {
      const spec = parseVariantSpec(request.name, request.query, sizes);
      if (spec === null) return null;
      const convertible = transform.reads(spec.source.format);
      const { format, vary } = negotiateFormat(spec.format, request.accept, spec.source.format, convertible);
      const variant = variantBlobName(spec, format);

      let blob: StoredBlob | null;
      if (variant === null) {
        blob = await blobs.stream(spec.original);
      } else {
        // A variant is only ever served while its original exists: nothing is rendered or cached for a guess.
        if (!(await blobs.has(spec.original))) return null;
        if (!convertible) throw badRequest(`expected a jpg, png, webp, gif or avif original to resize or convert, got ${spec.source.ext}`);
        blob = await blobs.stream(variant);
        if (blob === null) {
          const bytes = await renderOnce(spec, variant, format);
          if (bytes !== null) blob = blobFromBytes(bytes);
        }
      }
      if (blob === null) return null;

      const plan = planBlobResponse({
        method: request.method,
        size: blob.size,
        // A stored name always means the same bytes, so the name itself is a strong validator.
        etag: `"${variant ?? spec.original}"`,
        contentType: FORMATS[format].mime,
        vary,
        ifNoneMatch: request.ifNoneMatch,
        range: request.range,
        ifRange: request.ifRange,
      });
      return { status: plan.status, headers: plan.headers, body: bodyOf(blob, plan.body) };
    },

    async close() {
      await Promise.all([...storing]);
    },
  };
}

function bodyOf(blob: StoredBlob, range: { start: number; end: number } | null): Readable | Buffer | null {
  if (blob.bytes) {
    if (range === null) return null;
    return range.start === 0 && range.end >= blob.size - 1 ? blob.bytes : blob.bytes.subarray(range.start, range.end + 1);
  }
  if (range === null) {
    // Opened only to learn the size (HEAD) or existence (304, 416): close the file now.
    blob.body.destroy();
    return null;
  }
  if (range.start === 0 && range.end >= blob.size - 1) return blob.body;
  return sliceStream(blob.body, range.start, range.end);
}

function checkedSizes(sizes: readonly number[]): readonly number[] {
  const bad = sizes.find((size) => !Number.isSafeInteger(size) || size <= 0);
  if (sizes.length === 0 || bad !== undefined) {
    throw new Error(`expected a non-empty list of positive integer sizes, got ${JSON.stringify(sizes)}`);
  }
  return Object.freeze([...new Set(sizes)].sort((a, b) => a - b));
}
