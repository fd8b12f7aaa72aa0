/**
 * Every error answer of the API, in any version's shape, as one class: a caller checks `status`
 * and reads `errors` without knowing which shape the version speaks.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    /** The words: classic `errors[]` as they are, a classic `error` or an envelope's `message` as one element. */
    readonly errors: readonly string[],
    /** The body as received: the parsed JSON, or the text when it is not JSON. */
    readonly body: unknown,
    /** The answer's `Request-Id` header, to find the request in the server's log. */
    readonly requestId: string | undefined,
    /** The envelope versions' `code` (`InvalidParameter`, `NotFound`, ...); undefined for the classic ones. */
    readonly code: string | undefined,
  ) {
    super(`${status} ${errors.join('; ')}`);
  }
}

/**
 * The error an answer with status `status` and body `body` stands for. An envelope's message stays
 * one element: it joins several messages with '; ', and a single message may hold '; ' itself, so
 * splitting it could cut one in two.
 */
export function apiErrorOf(status: number, body: unknown, requestId: string | undefined): ApiError {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (Array.isArray(fields.errors) && fields.errors.every((item) => typeof item === 'string')) {
    return new ApiError(status, fields.errors as string[], body, requestId, undefined);
  }
  if (typeof fields.error === 'string') return new ApiError(status, [fields.error], body, requestId, undefined);
  if (typeof fields.code === 'string' && typeof fields.message === 'string') return new ApiError(status, [fields.message], body, requestId, fields.code);
  // Not the API's shape (a proxy's page, an empty body): the status alone; `body` holds what came.
  return new ApiError(status, [`HTTP ${status}`], body, requestId, undefined);
}
