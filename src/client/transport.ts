import { apiErrorOf } from './api-error.js';
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

/** One request below `/openapi/<version>`; resolves to the answer's data (unwrapped from the envelope versions' `data`). */
export type Send = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, request?: { query?: object; body?: unknown }) => Promise<unknown>;

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
    for (let attempt = 0; ; attempt++) {
      const response = await options.fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
      const text = await response.text();
      if (response.ok) return unwrap(text ? JSON.parse(text) : {});
      const waitMs = retryWait(response.status, response.headers.get('retry-after'), attempt, options);
      if (waitMs === undefined) throw apiErrorOf(response.status, parsed(text), response.headers.get('request-id') ?? undefined);
      options.onRetry?.({ method, path, status: response.status, attempt: attempt + 1, waitMs });
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  };
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
