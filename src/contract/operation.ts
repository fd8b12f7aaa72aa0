import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { Scope } from '../domain/scopes.js';
import type { ErrorCode } from '../domain/errors.js';
import type { WireContext } from './library-src.js';
import type { ApiVersion } from './versions.js';
import { isUuidId, type PathIds } from './uuid.js';

/**
 * One API operation, declared once: everything the router, the fast read path and the API
 * reference need to know about it. The server binds a use case to it (server/binding.ts).
 */
export interface Operation<P extends TObject = TObject, R extends TSchema = TSchema, Input = unknown, Result = unknown> {
  /** A stable id (the OpenAPI operationId). */
  id: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Below `/openapi/<version>`, in the router's syntax (`/products/:product_id/images`). */
  path: string;
  /** The scope it needs; null: any valid token of an active store may call it. */
  scope: Scope | null;
  /** The group it is listed under in the reference, e.g. "Product Image". */
  tag: string;
  summary: string;
  description: string;
  /** The path's ids, in path order; those declared `format: 'uuid'` are read as UUIDs (contract/uuid.ts readPathIds). */
  params: P;
  query?: TSchema;
  /** The body's schema; a function of the version for a body whose shape differs by version (see bodyOf). */
  body?: TSchema | ((version: ApiVersion) => TSchema);
  /** The data of a 200 answer, as 2022-01 shows it; each version wraps it (versions.ts). */
  response: R;
  /**
   * A key of `response` whose value the envelope versions answer as `data`, instead of the whole
   * response: `shop`, as apps written for the platform read `data.id`, `data.name` (docs/contract.md).
   */
  envelopeRoot?: string;
  /** The errors particular to it; errorsOf() adds those every operation, path id and body can answer. */
  errors: readonly ErrorCode[];
  /**
   * Checks and normalises the query and body with the platform's messages (after the path ids);
   * throws DomainError. `version`: the API version spoken, for bodies whose shape differs by version.
   */
  read?(request: { query: Readonly<Record<string, unknown>>; body: unknown; context?: WireContext; version?: ApiVersion }): Input;
  /** The answer's data for the use case's result; `context` gives this request's CDN base for `src`. */
  answer(result: Result, context: WireContext): Static<R>;
  /**
   * Whether a repeated plain GET may be answered before the router from the bytes the router sent
   * for the same result (server/fast-read). The bound use case must then also offer a `peek`.
   */
  fastRead?: boolean;
}

export type AnyOperation = Operation<any, any, any, any>;

/** What a bound use case gets: the path's ids and what the operation's reader made of the rest. */
export interface OperationRequest<P extends TObject, Input> {
  path: PathIds<Static<P>>;
  input: Input;
}

/**
 * Errors any API operation can answer: before it runs (a malformed Host or URL, token, store) or
 * whatever it does.
 */
const API_ERRORS: readonly ErrorCode[] = ['BadRequest', 'Unauthorized', 'StoreInactive', 'RateLimited', 'DatabaseUnavailable', 'ShuttingDown', 'Internal'];
/** Errors of every operation that reads a body (all of them write: a full disk is a 507, one out of reach a 503). */
const BODY_ERRORS: readonly ErrorCode[] = ['BadRequest', 'PayloadTooLarge', 'Validation', 'InsufficientStorage', 'StorageUnavailable'];

/** Every error an operation can answer. */
export function errorsOf(operation: AnyOperation): ErrorCode[] {
  // A token may hold any of the scopes (read_shop alone, too): every scope can be missing.
  const scope: ErrorCode[] = operation.scope ? ['Forbidden'] : [];
  // The path's UUIDs are read with the platform's messages (422); an operation whose query can be wrong says so in its `errors`.
  const read: ErrorCode[] = Object.keys(operation.params.properties).some((name) => isUuidId(operation.params, name)) ? ['Validation'] : [];
  return [...new Set([...API_ERRORS, ...scope, ...read, ...(operation.body ? BODY_ERRORS : []), ...operation.errors])];
}

/** The schema of the operation's body in `version`, or undefined when it takes none. */
export function bodyOf(operation: AnyOperation, version: ApiVersion): TSchema | undefined {
  return typeof operation.body === 'function' ? operation.body(version) : operation.body;
}

export function defineOperation<P extends TObject, R extends TSchema, Input = undefined, Result = unknown>(
  operation: Operation<P, R, Input, Result>,
): Operation<P, R, Input, Result> {
  return operation;
}
