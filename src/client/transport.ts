import { apiErrorOf } from './api-error.js';
import { API_PREFIX, VERSIONS } from './generated/routes.js';
import { redirectStep } from './redirect.js';
import { RedirectRefusedError, RequestTimeoutError, ResponseTooLargeError } from './request-errors.js';
import { DEFAULT_RETRY, type RetryOptions, retryWait } from './retry.js';

/** What every request of a client shares: where, as whom, in which version, and how to retry. */
export interface TransportOptions extends RetryOptions {
  /** `https://<shop>.myshoplaza.com`, or a prodimg server's own address. */
  baseUrl: string;
  token: string;
  version: string;
  fetch: typeof globalThis.fetch;
  headers: Readonly<Record<string, string>>;
  onRetry: ((retry: RetryEvent) => void) | undefined;
  /** The deadline of each attempt, its whole body read included; undefined: none. */
  timeoutMs: number | undefined;
  /** The longest answer body read; undefined: any. */
  maxResponseBytes: number | undefined;
}

/** Told before each wait for a retry. */
export interface RetryEvent {
  method: string;
  path: string;
  status: number;
  /** The retry about to be made: 1 for the first. */
  attempt: number;
  waitMs: number;
}

type QueryValue = string | number | boolean | null | undefined;

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** An operation as the generated ROUTES state it. */
export interface Route {
  readonly method: Method;
  /** Below the version, `:name` for each id: `/products/:product_id/images`. */
  readonly path: string;
  readonly envelopeRoot?: string;
}

/** The names of a path's ids: `product_id | image_id` for `/products/:product_id/images/:image_id`. */
type IdNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}` ? Name | IdNames<`/${Rest}`> : P extends `${string}:${infer Name}` ? Name : never;

/** What a request sends besides its route: a value for each of the path's ids, the query and the body. */
export type RequestOf<R extends Route> = { query?: object; body?: unknown } & ([IdNames<R['path']>] extends [never] ? { ids?: undefined } : { ids: Record<IdNames<R['path']>, string> });

/** One operation's request, below `/openapi/<version>`; resolves to the answer's data, as the classic versions answer it. */
export type Send = <R extends Route>(route: R, request: RequestOf<R>) => Promise<unknown>;

export const DEFAULT_TRANSPORT = { version: '2022-01', ...DEFAULT_RETRY };

export function transport(options: TransportOptions): Send {
  const served = Object.keys(VERSIONS);
  if (!served.includes(options.version)) throw new TypeError(`createClient: version must be one of ${served.join(', ')}, got ${JSON.stringify(options.version)}`);
  const { dataKey } = VERSIONS[options.version as keyof typeof VERSIONS];
  const root = `${options.baseUrl.replace(/\/+$/, '')}${API_PREFIX}/${options.version}`;
  return async ({ method, path: template, envelopeRoot }, request) => {
    const ids: Readonly<Record<string, string>> = request.ids ?? {};
    const path = template.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(ids[name]!));
    const url = root + path + queryString(request.query);
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const headers = {
      accept: 'application/json',
      ...options.headers,
      'access-token': options.token,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    };
    let target = url;
    for (let attempt = 0, hops = 0; ; ) {
      const { response, text } = await exchange(options, target, { method, headers, ...(body === undefined ? {} : { body }) });
      if (response.type === 'opaqueredirect') {
        // A browser's fetch hides where a manual redirect points: refused all the same.
        throw new RedirectRefusedError(response.status, target, '(hidden by the browser)', 'redirects are followed within the API\'s origin only');
      }
      const redirect = redirectStep(response.status, response.headers.get('location'), target, method, hops);
      if (redirect && 'refuse' in redirect) throw new RedirectRefusedError(response.status, target, redirect.location, redirect.refuse);
      if (redirect) {
        target = redirect.follow;
        hops += 1;
        continue;
      }
      if (response.ok) return dataOf(text ? JSON.parse(text) : {}, dataKey, envelopeRoot);
      const waitMs = retryWait(response.status, response.headers.get('retry-after'), attempt, options);
      if (waitMs === undefined) throw apiErrorOf(response.status, parsed(text), response.headers.get('request-id') ?? undefined);
      attempt += 1;
      options.onRetry?.({ method, path, status: response.status, attempt, waitMs });
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  };
}

/**
 * One attempt: the answer and its body as text, within the deadline and the size bound. Redirects are
 * never left to fetch (`redirect: 'manual'`): it would send the access token to wherever they point.
 */
async function exchange(options: TransportOptions, url: string, init: RequestInit): Promise<{ response: Response; text: string }> {
  const signal = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await options.fetch(url, { ...init, redirect: 'manual', ...(signal ? { signal } : {}) });
    return { response, text: await readText(response, url, options.maxResponseBytes) };
  } catch (err) {
    if (signal?.aborted) throw new RequestTimeoutError(url, options.timeoutMs!);
    throw err;
  }
}

/** The body as text, cancelled as soon as it outgrows `maxBytes` rather than held whole. */
async function readText(response: Response, url: string, maxBytes: number | undefined): Promise<string> {
  if (maxBytes === undefined) return response.text();
  if (Number(response.headers.get('content-length')) > maxBytes) {
    await response.body?.cancel();
    throw new ResponseTooLargeError(url, maxBytes);
  }
  const reader = response.body?.getReader();
  if (!reader) return '';
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new ResponseTooLargeError(url, maxBytes);
    }
    text += decoder.decode(value, { stream: true });
  }
}

/**
 * An answer's data as the classic versions answer it, by the version's rule: the body itself, or its
 * `dataKey` (2025-06 and later: `{"code":"Success","data":...}`), put back under the operation's
 * `envelopeRoot` when the envelope holds that key's value alone.
 */
function dataOf(body: unknown, dataKey: string | null, envelopeRoot: string | undefined): unknown {
  if (dataKey === null) return body;
  const data = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[dataKey] : undefined;
  return envelopeRoot === undefined ? data : { [envelopeRoot]: data };
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `?a=1&b=x` from the fields that have a value (undefined, null and '' are "not sent"). */
function queryString(query: object | undefined): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {}) as Array<[string, QueryValue]>) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
