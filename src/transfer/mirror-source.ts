import { ApiError } from '../client/api-error.js';
import { type Client, createClient } from '../client/client.js';
import { RedirectRefusedError, RequestTimeoutError, ResponseTooLargeError } from '../client/request-errors.js';
import type { RetryEvent } from '../client/transport.js';
import { sourceTime } from './mirror-point.js';

/** A source that cannot be mirrored from, in one line; `usage` when the command line names it wrongly (exit code 2). */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly usage: boolean,
  ) {
    super(message);
  }
}

/** The store a mirror reads: its base URL (the key of its saved state), the typed client, and its clock. */
export interface MirrorSource {
  url: string;
  client: Client;
  /** The `Date` of the source's latest answer, in ms; undefined until one came with it. */
  lastDate(): number | undefined;
}

/** Retries of a 429 or 503 before the pass fails: a rate-limited store refuses often, and a mirror has time. */
export const MIRROR_RETRIES = 20;
export const MIRROR_RETRY_WAIT_MS = 60_000;

export interface SourceOptions {
  from: string;
  token: string;
  version: string;
  userAgent: string;
  /** The deadline of each request, its whole answer included. */
  timeoutMs: number;
  /** The longest answer (a page of products) read. */
  maxPageBytes: number;
  onRetry?: (retry: RetryEvent) => void;
}

export function openSource(options: SourceOptions): MirrorSource {
  const url = sourceBaseUrl(options.from);
  let date: number | undefined;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const response = await globalThis.fetch(input, init);
    date = sourceTime(response.headers.get('date')) ?? date;
    return response;
  };
  const client = createClient({
    baseUrl: url,
    token: options.token,
    version: options.version,
    maxRetries: MIRROR_RETRIES,
    maxRetryWaitMs: MIRROR_RETRY_WAIT_MS,
    fetch,
    headers: { 'user-agent': options.userAgent },
    timeoutMs: options.timeoutMs,
    maxResponseBytes: options.maxPageBytes,
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  });
  return { url, client, lastDate: () => date };
}

/** `https://store.myshoplaza.com/` as `https://store.myshoplaza.com`: an http(s) URL without query, fragment or credentials. */
export function sourceBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SourceError(`--from must be the store's base URL, like https://<store>.myshoplaza.com, got "${raw}"`, true);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new SourceError(`--from must be an http or https URL, got "${raw}"`, true);
  if (url.search || url.hash || url.username || url.password) {
    throw new SourceError(`--from must be the store's base URL alone (no query, fragment or credentials), got "${raw}"`, true);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * A listed product with every image `src` absolute: the platform (and prodimg) answer them without a
 * scheme (`//cdn.example/a.jpg`), which the source's own scheme completes.
 */
export function withAbsoluteSrcs(product: unknown, sourceUrl: string): unknown {
  if (typeof product !== 'object' || product === null) return product;
  const fields = product as { images?: unknown; variants?: unknown };
  const absolute = (image: unknown) => {
    const src = (image as { src?: unknown } | null)?.src;
    return typeof src === 'string' && src.startsWith('//') ? { ...(image as object), src: new URL(src, sourceUrl).href } : image;
  };
  return {
    ...fields,
    ...(Array.isArray(fields.images) ? { images: fields.images.map(absolute) } : {}),
    ...(Array.isArray(fields.variants)
      ? { variants: fields.variants.map((variant: unknown) => (variant && typeof variant === 'object' && 'image' in variant ? { ...variant, image: absolute(variant.image) } : variant)) }
      : {}),
  };
}

/** What went wrong with the source, in one line, or undefined for an error that is not the source's. */
export function sourceFailure(err: unknown, url: string): SourceError | undefined {
  if (err instanceof SourceError) return err;
  if (err instanceof ApiError) {
    const said = err.errors.join('; ');
    if (err.status === 401) return new SourceError(`${url} refused the token (401 ${said}): check --token or PRODIMG_MIRROR_TOKEN`, true);
    if (err.status === 403) return new SourceError(`${url} refused to list products with this token (403 ${said}): it needs the read_product scope`, true);
    if (err.status === 404) return new SourceError(`${url} has no product API (404): give the store's base URL, like https://<store>.myshoplaza.com`, true);
    if (err.status === 429 || err.status === 503) return new SourceError(`${url} still answered ${err.status} after ${MIRROR_RETRIES} retries; try again later`, false);
    return new SourceError(`${url} answered ${err.status} ${said}${err.requestId ? ` (request id ${err.requestId})` : ''}`, false);
  }
  if (err instanceof RedirectRefusedError) return new SourceError(`${url} redirected to ${err.location}: refused, ${err.reason}`, false);
  if (err instanceof ResponseTooLargeError) return new SourceError(`${url} answered more than ${err.maxBytes / MIB} MiB at once: refused (--max-page-mib)`, false);
  if (err instanceof RequestTimeoutError) return new SourceError(`${url} did not answer whole within ${err.timeoutMs / 1000} s (--timeout)`, false);
  if (err instanceof SyntaxError) return new SourceError(`${url} did not answer JSON: is it the store's API address?`, false);
  if (err instanceof TypeError && err.message === 'fetch failed') {
    const cause = err.cause as { code?: string; message?: string } | undefined;
    return new SourceError(`cannot reach ${url}: ${cause?.code ?? cause?.message ?? err.message}`, false);
  }
  return undefined;
}

const MIB = 1024 * 1024;
