import type { DomainError, ErrorKind } from '../domain/errors.js';

/** Status code for each error kind, as the 2020-07/2022-01 API answers it. */
const STATUS: Record<ErrorKind, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  StoreInactive: 401,
  Forbidden: 403,
  NotFound: 422,
  RouteNotFound: 404,
  Validation: 422,
  PayloadTooLarge: 413,
};

export type ErrorBody = { errors: string[] } | { error: string };

/** The one place an error becomes a response. The store check answers with the singular `error`. */
export function errorResponse(error: DomainError): { status: number; body: ErrorBody } {
  const body: ErrorBody = error.kind === 'StoreInactive' ? { error: error.messages[0] ?? '' } : { errors: [...error.messages] };
  return { status: STATUS[error.kind], body };
}

export const NOT_FOUND_BODY: ErrorBody = { errors: ['Not Found'] };
export const SERVICE_UNAVAILABLE_BODY: ErrorBody = { errors: ['Service Unavailable: the server is shutting down'] };
export const DATABASE_UNAVAILABLE_BODY: ErrorBody = { errors: ['Service Unavailable: the database is not answering, retry shortly'] };
export const INTERNAL_ERROR_BODY: ErrorBody = { errors: ['Internal Server Error'] };
