import { maxHeaderSize } from 'node:http';
import { type TSchema, Type } from '@sinclair/typebox';
import type { ErrorCode, ErrorFacts } from '../domain/errors.js';

/**
 * Every error prodimg answers: its words, and its status and body per API version family. The one
 * table that routes, framework errors, body parsing, bad URLs, refused downloads and the
 * connection-level answers all read. A family is the error style a group of versions shares
 * (versions.ts):
 * - classic (2020-07, 2022-01): `{"errors":[...]}`, or `{"error":"..."}` for the store check;
 * - envelope (2025-06 and later): `{"code":"<Code>","message":"<the same words, joined by '; '>"}`,
 *   with the statuses that family's overview groups errors under (400 store, token and request
 *   problems; 403 a missing scope), other statuses kept as they are.
 */
export type ErrorFamily = 'classic' | 'envelope';

/**
 * Refusals made before a request reaches the router (Node's HTTP parser and server events: an
 * `Expect` other than 100-continue, a `CONNECT`), besides the domain's own codes.
 */
export type WireErrorCode = ErrorCode | 'HeaderFieldsTooLarge' | 'RequestTimeout' | 'ExpectationFailed' | 'NotImplemented';

export type ErrorBody = { errors: string[] } | { error: string } | { code: string; message: string };

interface CatalogueEntry {
  /** The words a client reads, from the error's facts (DomainError.messages). */
  text(messages: readonly string[]): string[];
  /** Headers the answer carries besides the usual ones, in every family (from the error's named facts, or fixed). */
  headers?: Readonly<Record<string, string>> | ((facts: ErrorFacts) => Readonly<Record<string, string>>);
  classic: { status: number; singular?: true };
  envelope: { status: number; code: string };
}

const words = (message: string) => () => [message];
const prefixed = (prefix: string) => (messages: readonly string[]) => messages.map((message) => `${prefix}${message}`);
const RETRY_SOON = { 'retry-after': '1' };
const retryAfter = ({ retryAfterSeconds = 1 }: ErrorFacts) => ({ 'retry-after': String(retryAfterSeconds) });

export const ERROR_CATALOGUE: Readonly<Record<WireErrorCode, CatalogueEntry>> = {
  BadRequest: { text: prefixed('Bad Request: '), classic: { status: 400 }, envelope: { status: 400, code: 'InvalidParameter' } },
  Unauthorized: { text: words('Unauthorized'), classic: { status: 401 }, envelope: { status: 401, code: 'Unauthorized' } },
  // The store check is the one error the classic family answers with a singular `error`.
  StoreInactive: { text: words('store is not active'), classic: { status: 401, singular: true }, envelope: { status: 400, code: 'StoreNotActive' } },
  Forbidden: {
    text: ([scope]) => [`Forbidden: this action requires the ${scope} scope`],
    classic: { status: 403 },
    envelope: { status: 403, code: 'AccessDenied' },
  },
  // Reads and updates say "Record not found" for a missing product and a missing image alike.
  RecordNotFound: { text: words('Record not found'), classic: { status: 422 }, envelope: { status: 404, code: 'NotFound' } },
  ProductNotFound: { text: words('Product not found'), classic: { status: 404 }, envelope: { status: 404, code: 'NotFound' } },
  ImageNotFound: { text: words('Image not found'), classic: { status: 404 }, envelope: { status: 404, code: 'NotFound' } },
  // The words of the platform's shop reference, its exclamation mark included.
  ShopNotFound: { text: words('record not found!'), classic: { status: 404 }, envelope: { status: 404, code: 'NotFound' } },
  RouteNotFound: { text: words('Not Found'), classic: { status: 404 }, envelope: { status: 404, code: 'NotFound' } },
  Validation: { text: (messages) => [...messages], classic: { status: 422 }, envelope: { status: 400, code: 'InvalidParameter' } },
  PayloadTooLarge: { text: prefixed('Payload Too Large: '), classic: { status: 413 }, envelope: { status: 413, code: 'PayloadTooLarge' } },
  RateLimited: {
    text: prefixed('Too Many Requests: '),
    headers: retryAfter,
    classic: { status: 429 },
    envelope: { status: 429, code: 'TooManyRequests' },
  },
  Overloaded: {
    text: prefixed('Service Unavailable: '),
    headers: retryAfter,
    classic: { status: 503 },
    envelope: { status: 503, code: 'ServiceUnavailable' },
  },
  InsufficientStorage: { text: prefixed('Insufficient Storage: '), classic: { status: 507 }, envelope: { status: 507, code: 'InsufficientStorage' } },
  StorageUnavailable: {
    text: prefixed('Service Unavailable: '),
    headers: RETRY_SOON,
    classic: { status: 503 },
    envelope: { status: 503, code: 'ServiceUnavailable' },
  },
  ShuttingDown: {
    text: words('Service Unavailable: the server is shutting down'),
    classic: { status: 503 },
    envelope: { status: 503, code: 'ServiceUnavailable' },
  },
  DatabaseUnavailable: {
    text: words('Service Unavailable: the database is not answering, retry shortly'),
    headers: RETRY_SOON,
    classic: { status: 503 },
    envelope: { status: 503, code: 'ServiceUnavailable' },
  },
  Internal: { text: words('Internal Server Error'), classic: { status: 500 }, envelope: { status: 500, code: 'InternalError' } },
  HeaderFieldsTooLarge: {
    text: words(`Request Header Fields Too Large: the headers exceed ${maxHeaderSize / 1024} KB`),
    classic: { status: 431 },
    envelope: { status: 431, code: 'RequestHeaderFieldsTooLarge' },
  },
  RequestTimeout: { text: words('Request Timeout: the request was not sent in time'), classic: { status: 408 }, envelope: { status: 408, code: 'RequestTimeout' } },
  ExpectationFailed: { text: prefixed('Expectation Failed: '), classic: { status: 417 }, envelope: { status: 417, code: 'ExpectationFailed' } },
  NotImplemented: { text: prefixed('Not Implemented: '), classic: { status: 501 }, envelope: { status: 501, code: 'NotImplemented' } },
};

export interface ErrorAnswer {
  status: number;
  body: ErrorBody;
  headers: Readonly<Record<string, string>>;
}

const NO_HEADERS = {};

/** The one place an error becomes a status, headers and body. */
export function errorAnswer(family: ErrorFamily, code: WireErrorCode, messages: readonly string[] = [], facts: ErrorFacts = {}): ErrorAnswer {
  const entry = ERROR_CATALOGUE[code];
  const text = entry.text(messages);
  const headers = typeof entry.headers === 'function' ? entry.headers(facts) : (entry.headers ?? NO_HEADERS);
  if (family === 'envelope') return { status: entry.envelope.status, body: { code: entry.envelope.code, message: text.join('; ') }, headers };
  return { status: entry.classic.status, body: entry.classic.singular ? { error: text[0] ?? '' } : { errors: text }, headers };
}

const ClassicErrors = Type.Object({ errors: Type.Array(Type.String()) }, { additionalProperties: false });
const ClassicError = Type.Object({ error: Type.String() }, { additionalProperties: false });

/** The body schema of an error in a family, for the declarations' documented shapes. */
export function errorBodySchema(family: ErrorFamily, code: WireErrorCode): TSchema {
  if (family === 'envelope') {
    return Type.Object({ code: Type.Literal(ERROR_CATALOGUE[code].envelope.code), message: Type.String() }, { additionalProperties: false });
  }
  return ERROR_CATALOGUE[code].classic.singular ? ClassicError : ClassicErrors;
}

/** `1 MiB` for 1048576: the body limit as the 413 names it. */
export function binarySize(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}
