import type { Readable } from 'node:stream';
import { badRequest } from '../domain/errors.js';
import { type BlobStore, blobFromBytes, type StoredBlob } from './blob-store.js';
import { planBlobResponse } from './blob-response.js';
import type { ImageTransform } from './image-transform.js';
import { negotiateFormat } from './negotiate-format.js';
import { sliceStream } from './slice-stream.js';
import { FORMATS, type ImageFormat } from './sniff.js';
import type { WorkQueue } from './work-queue.js';
import { parseVariantSpec, type VariantSpec, variantBlobName } from './variant-spec.js';

export interface CdnServiceOptions {
  blobs: BlobStore;
  /** The only widths and heights a client may ask for, in pixels. */
  sizes: readonly number[];
  transform: ImageTransform;
  /** The queue every render waits in: bounded concurrency and wait list (see WorkQueue). */
  renders: WorkQueue;
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
  /**
   * A signal aborted when the client has gone (a render nobody else waits for is then cancelled).
   * Asked for only when a render is needed, so a stored file's answer never pays for one.
   */
  clientGone?: () => AbortSignal;
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
  /** Totals since start: renders begun, requests that joined a render under way, renders cancelled. */
  stats(): { rendered: number; coalesced: number; cancelled: number };
}

interface Render {
  rendered: Promise<Buffer | null>;
  /** Requests waiting for it now. */
  waiters: number;
  abort: AbortController;
}

interface Original {
  bytes: Promise<Buffer | null> | undefined;
  /** Renders queued or running that use it. */
  users: number;
}

/**
 * Serves originals and their variants from the blob store. A variant is rendered on its first request
 * and answered from the rendered bytes at once; storing it under its deterministic name next to the
 * original (a durable write: temp file, fsync, rename) happens after, off the request's path. From
 * then on it is served like any stored file. Concurrent first requests for one variant share a single
 * render, until it is stored. Renders wait in a bounded queue (a full one answers 503), read each
 * original once while any render of it is queued or running, and stored files never wait behind them.
 */
export function createCdnService(options: CdnServiceOptions): CdnService {
  const { blobs, transform, renders } = options;
  const sizes = checkedSizes(options.sizes);
  const rendering = new Map<string, Render>();
  const originals = new Map<string, Original>();
  const storing = new Set<Promise<void>>();
  const counts = { rendered: 0, coalesced: 0, cancelled: 0 };

  /** An original's bytes, read once and shared by every render of it queued or running. */
  function holdOriginal(name: string): { bytes: () => Promise<Buffer | null>; release: () => void } {
    let original = originals.get(name);
    if (original === undefined) {
      original = { bytes: undefined, users: 0 };
      originals.set(name, original);
    }
    const held = original;
    held.users += 1;
    return {
      // Read lazily, when the first render of it starts: a queued render holds no bytes.
      bytes: () => (held.bytes ??= blobs.get(name)),
      release: () => {
        held.users -= 1;
        if (held.users === 0 && originals.get(name) === held) originals.delete(name);
      },
    };
  }

  /** The variant's bytes; null when the original is gone. */
  async function render(spec: VariantSpec, format: ImageFormat, original: () => Promise<Buffer | null>, signal: AbortSignal): Promise<Buffer | null> {
    const bytes = await original();
    if (bytes === null) return null;
    // sharp cannot stop a render once begun, but one nobody waits for any more is not begun.
    signal.throwIfAborted();
    counts.rendered += 1;
    return transform.render(bytes, { width: spec.width, height: spec.height, crop: spec.crop, format });
  }

  /** Stores a variant; one whose original went while it rendered and stored is removed again. */
  async function store(spec: VariantSpec, target: string, bytes: Buffer): Promise<void> {
    await blobs.put(target, bytes);
    if (!(await blobs.has(spec.original))) await blobs.delete(target);
  }

  function startRender(spec: VariantSpec, target: string, format: ImageFormat): Render {
    const abort = new AbortController();
    const original = holdOriginal(spec.original);
    const rendered = renders.run(() => render(spec, format, original.bytes, abort.signal), abort.signal);
    const entry: Render = { rendered, waiters: 0, abort };
    rendering.set(target, entry);
    const stored: Promise<void> = rendered
      .then(
        (bytes) => (bytes === null ? undefined : store(spec, target, bytes).catch((err: unknown) => options.onStoreError?.(err, target))),
        // A failed render is the request's error, answered there.
        () => undefined,
      )
      .finally(() => {
        original.release();
        if (rendering.get(target) === entry) rendering.delete(target);
        storing.delete(stored);
      });
    storing.add(stored);
    return entry;
  }

  /**
   * Identical concurrent requests share one render. Each waiter counts; when the last one leaves
   * (its client went away) the render is cancelled: dropped from the queue if it has not started.
   */
  async function renderShared(spec: VariantSpec, target: string, format: ImageFormat, signal: AbortSignal | undefined): Promise<Buffer | null> {
    let entry = rendering.get(target);
    if (entry === undefined || entry.abort.signal.aborted) entry = startRender(spec, target, format);
    else counts.coalesced += 1;
    const shared = entry;
    shared.waiters += 1;
    if (signal === undefined) return shared.rendered;
    try {
      return await untilAborted(shared.rendered, signal);
    } finally {
      shared.waiters -= 1;
      if (shared.waiters === 0 && signal.aborted) {
        counts.cancelled += 1;
        shared.abort.abort(signal.reason);
      }
    }
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
          const bytes = await renderShared(spec, variant, format, request.clientGone?.());
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

    stats: () => ({ ...counts }),
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
  if (blob.range) {
    blob.body.destroy();
    return blob.range(range.start, range.end);
  }
  return sliceStream(blob.body, range.start, range.end);
}

function checkedSizes(sizes: readonly number[]): readonly number[] {
  const bad = sizes.find((size) => !Number.isSafeInteger(size) || size <= 0);
  if (sizes.length === 0 || bad !== undefined) {
    throw new Error(`expected a non-empty list of positive integer sizes, got ${JSON.stringify(sizes)}`);
  }
  return Object.freeze([...new Set(sizes)].sort((a, b) => a - b));
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts (the promise runs on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
