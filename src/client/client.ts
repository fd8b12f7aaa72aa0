import { imagesResource } from './images.js';
import { productsResource } from './products.js';
import { DEFAULT_TRANSPORT, type RetryEvent, transport } from './transport.js';
import { variantsResource } from './variants.js';

export interface ClientOptions {
  /** The store's subdomain: requests go to `https://<shop>.myshoplaza.com` unless `baseUrl` is given. */
  shop?: string;
  /**
   * Where the API is, e.g. a prodimg server's `http://127.0.0.1:8080`. Then the token alone names the
   * store: fetch cannot set the Host header that a store's own address would carry.
   */
  baseUrl?: string;
  /** The store's access token, sent as `Access-Token`. */
  token: string;
  /** The API version of the path; 2022-01 unless given. Every served version's answers are unwrapped alike. */
  version?: string;
  /** Retries of a 429 or 503 answer before it is thrown (default 3; 0: none). */
  maxRetries?: number;
  /** The longest wait before a retry in ms, whatever Retry-After asks (default 30000). */
  maxRetryWaitMs?: number;
  /** Told before each wait for a retry (to log it). */
  onRetry?: (retry: RetryEvent) => void;
  /** The fetch to send with; the global one unless given. */
  fetch?: typeof globalThis.fetch;
  /** Headers sent with every request besides the client's own (a `User-Agent`, say). */
  headers?: Readonly<Record<string, string>>;
  /** The deadline of each attempt in ms, the answer's whole body included (RequestTimeoutError); none unless given. */
  timeoutMs?: number;
  /** The longest answer body read, in bytes (ResponseTooLargeError); any unless given. */
  maxResponseBytes?: number;
}

/** A client of one store's admin API. */
export function createClient(options: ClientOptions) {
  const baseUrl = options.baseUrl ?? (options.shop ? `https://${options.shop}.myshoplaza.com` : undefined);
  if (baseUrl === undefined) throw new TypeError('createClient needs a shop (the store subdomain) or a baseUrl');
  if (!options.token) throw new TypeError('createClient needs a token');
  const send = transport({
    baseUrl,
    token: options.token,
    version: options.version ?? DEFAULT_TRANSPORT.version,
    maxRetries: options.maxRetries ?? DEFAULT_TRANSPORT.maxRetries,
    maxRetryWaitMs: options.maxRetryWaitMs ?? DEFAULT_TRANSPORT.maxRetryWaitMs,
    // Looked up at call time, not bound now, so a fetch replaced later (a test's mock) is the one used.
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    headers: options.headers ?? {},
    onRetry: options.onRetry,
    timeoutMs: options.timeoutMs,
    maxResponseBytes: options.maxResponseBytes,
  });
  return { images: imagesResource(send), products: productsResource(send), variants: variantsResource(send) };
}

export type Client = ReturnType<typeof createClient>;
