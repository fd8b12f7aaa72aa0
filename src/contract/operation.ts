import type { Static, TSchema } from '@sinclair/typebox';
import type { Scope } from '../domain/entities.js';
import type { ErrorCode } from '../domain/errors.js';

/** What an operation's reader sees of a request, typed from its declared schemas. */
export interface RawRequest<Params, Query> {
  params: Params;
  query: Query;
  body: unknown;
}

/**
 * One API operation, declared once: everything the router, the fast read path and the API
 * reference need to know about it. The server binds a use case to it (server/operation-routes.ts).
 */
export interface Operation<P extends TSchema = TSchema, Q extends TSchema = TSchema, R extends TSchema = TSchema, Input = unknown, Result = unknown> {
  /** A stable id (the OpenAPI operationId). */
  id: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Below `/openapi/<version>`, in the router's syntax (`/products/:product_id/images`). */
  path: string;
  scope: Scope;
  /** The group it is listed under in the reference, e.g. "Product Image". */
  tag: string;
  summary: string;
  description: string;
  params?: P;
  query?: Q;
  body?: TSchema;
  /** The data of a 200 answer, as 2022-01 shows it; each version wraps it (versions.ts). */
  response: R;
  /** Every error it can answer besides those every API operation can (API_ERRORS). */
  errors: readonly ErrorCode[];
  /** Checks and normalises the request with the platform's messages; throws DomainError. */
  read(request: RawRequest<Static<P>, Static<Q>>): Input;
  /** The answer's data for the use case's result. */
  answer(result: Result): Static<R>;
  /**
   * Whether a repeated plain GET may be answered before the router from the bytes the router sent
   * for the same result (server/fast-read). The bound use case must then also offer a `peek`.
   */
  fastRead?: boolean;
}

/** Errors any API operation can answer: before it runs (token, store, scope) or whatever it does. */
export const API_ERRORS: readonly ErrorCode[] = ['Unauthorized', 'StoreInactive', 'Forbidden', 'DatabaseUnavailable', 'ShuttingDown', 'Internal'];

/** Errors of every operation that reads a body. */
export const BODY_ERRORS: readonly ErrorCode[] = ['BadRequest', 'PayloadTooLarge', 'Validation'];

export function defineOperation<P extends TSchema, Q extends TSchema, R extends TSchema, Input, Result>(
  operation: Operation<P, Q, R, Input, Result>,
): Operation<P, Q, R, Input, Result> {
  return operation;
}
