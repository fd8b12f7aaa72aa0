import { apiErrorOf } from './api-error.js';
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

/** One request below `/openapi/<version>`; resolves to the answer's data (unwrapped from the envelope versions' `data`). */
export type Send = (method: Method, path: string, request?: { query?: object; body?: unknown }) => Promise<unknown>;

export const DEFAULT_TRANSPORT = { version: '2022-01', ...DEFAULT_RETRY };

export function transport(options: TransportOptions): Send {
  const root = `${options.baseUrl.replace(/\/+$/, '')}/openapi/${encodeURIComponent(options.version)}`;
  return async (method, path, request = {}) => {
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
      if (response.ok) return unwrap(text ? JSON.parse(text) : {});
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

/** 2025-06 and later answer `{"code":"Success","data":...}`; 2020-07 and 2022-01 the data itself, which never has a `code`. */
function unwrap(body: unknown): unknown {
  const fields = typeof body === 'object' && body !== null ? (body as { code?: unknown; data?: unknown }) : {};
  return fields.code === 'Success' && 'data' in fields ? fields.data : body;
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
