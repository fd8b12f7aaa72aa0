import { maxHeaderSize } from 'node:http';
import { type TSchema, Type } from '@sinclair/typebox';
import type { ErrorCode } from '../domain/errors.js';

/**
 * Every error prodimg answers, each with its status and body per API version family: the one table
 * that routes, framework errors, body parsing, bad URLs, refused downloads and the connection-level
 * answers all read. A family is the error style a group of versions shares (versions.ts).
 */
export type ErrorFamily = 'classic';

/**
 * Refusals made before a request reaches the router (Node's HTTP parser and server events: an
 * `Expect` other than 100-continue, a `CONNECT`), besides the domain's own codes.
 */
export type WireErrorCode = ErrorCode | 'HeaderFieldsTooLarge' | 'RequestTimeout' | 'ExpectationFailed' | 'NotImplemented';

export type ClassicErrorBody = { errors: string[] } | { error: string };

export interface ErrorRendering {
  status: number;
  /** The body for the error's messages (see DomainError.messages). */
  body(messages: readonly string[]): ClassicErrorBody;
  /** Headers the answer carries besides the usual ones. */
  headers?: Readonly<Record<string, string>>;
}

const ClassicErrors = Type.Object({ errors: Type.Array(Type.String()) }, { additionalProperties: false });
const ClassicError = Type.Object({ error: Type.String() }, { additionalProperties: false });

/** The body schema of each error in a family, for the declarations' documented shapes. */
export function errorBodySchema(family: ErrorFamily, code: WireErrorCode): TSchema {
  void family;
  return code === 'StoreInactive' ? ClassicError : ClassicErrors;
}

const fixed = (status: number, message: string, headers?: Record<string, string>): ErrorRendering => ({
  status,
  body: () => ({ errors: [message] }),
  ...(headers ? { headers } : {}),
});
const prefixed = (status: number, prefix: string): ErrorRendering => ({
  status,
  body: (messages) => ({ errors: messages.map((message) => `${prefix}${message}`) }),
});

export const ERROR_CATALOGUE: Readonly<Record<WireErrorCode, Readonly<Record<ErrorFamily, ErrorRendering>>>> = {
  BadRequest: { classic: prefixed(400, 'Bad Request: ') },
  Unauthorized: { classic: fixed(401, 'Unauthorized') },
  // The store check is the one error the platform answers with a singular `error`.
  StoreInactive: { classic: { status: 401, body: () => ({ error: 'store is not active' }) } },
  Forbidden: { classic: { status: 403, body: ([scope]) => ({ errors: [`Forbidden: this action requires the ${scope} scope`] }) } },
  // Reads and updates say "Record not found" for a missing product and a missing image alike.
  RecordNotFound: { classic: fixed(422, 'Record not found') },
  ProductNotFound: { classic: fixed(404, 'Product not found') },
  ImageNotFound: { classic: fixed(404, 'Image not found') },
  RouteNotFound: { classic: fixed(404, 'Not Found') },
  Validation: { classic: { status: 422, body: (messages) => ({ errors: [...messages] }) } },
  PayloadTooLarge: { classic: prefixed(413, 'Payload Too Large: ') },
  Overloaded: { classic: { ...prefixed(503, 'Service Unavailable: '), headers: { 'retry-after': '1' } } },
  InsufficientStorage: { classic: prefixed(507, 'Insufficient Storage: ') },
  ShuttingDown: { classic: fixed(503, 'Service Unavailable: the server is shutting down') },
  DatabaseUnavailable: {
    classic: fixed(503, 'Service Unavailable: the database is not answering, retry shortly', { 'retry-after': '1' }),
  },
  Internal: { classic: fixed(500, 'Internal Server Error') },
  HeaderFieldsTooLarge: { classic: fixed(431, `Request Header Fields Too Large: the headers exceed ${maxHeaderSize / 1024} KB`) },
  RequestTimeout: { classic: fixed(408, 'Request Timeout: the request was not sent in time') },
  ExpectationFailed: { classic: prefixed(417, 'Expectation Failed: ') },
  NotImplemented: { classic: prefixed(501, 'Not Implemented: ') },
};

export interface ErrorAnswer {
  status: number;
  body: ClassicErrorBody;
  headers: Readonly<Record<string, string>>;
}

/** The one place an error becomes a status, headers and body. */
export function errorAnswer(family: ErrorFamily, code: WireErrorCode, messages: readonly string[] = []): ErrorAnswer {
  const rendering = ERROR_CATALOGUE[code][family];
  return { status: rendering.status, body: rendering.body(messages), headers: rendering.headers ?? {} };
}
