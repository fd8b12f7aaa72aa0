import type { FastifyError, FastifyInstance } from 'fastify';
import { DATABASE_UNAVAILABLE_BODY, INTERNAL_ERROR_BODY, NOT_FOUND_BODY, errorResponse } from '../contract/error-response.js';
import { badRequest, DomainError, payloadTooLarge } from '../domain/errors.js';

/** Fastify's own request errors, in the contract's words. */
function fromFastify(error: FastifyError): DomainError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return badRequest('body is not valid JSON');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return badRequest('body is empty');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return payloadTooLarge('the body exceeds 1 MiB');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return badRequest('Content-Type must be application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return badRequest('Content-Length does not match the body');
  }
  if (error instanceof SyntaxError) return badRequest('body is not valid JSON');
  const status = error.statusCode ?? 500;
  if (status === 413) return payloadTooLarge('the body exceeds 1 MiB');
  if (status >= 400 && status < 500) return badRequest(error.message.replace(/^FST_\w+: /, ''));
  return null;
}

// Connection-level failures (the server restarting, refusing or gone), by Node and PostgreSQL codes:
// class 08 is connection exceptions, 57P01-57P03 an administrator shutdown or a server starting up.
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', 'SQLITE_BUSY']);

/** A database that is restarting or out of reach: the client should retry, not report a bug. */
function isDatabaseUnreachable(error: Error): boolean {
  const code = String((error as { code?: unknown }).code ?? '');
  return UNREACHABLE.has(code) || code.startsWith('08') || /Connection terminated|connection timeout|not queryable/i.test(error.message);
}

/** One error handler for the whole app: contract errors as they are, anything unknown as a bare 500. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // Fastify reads the body even for a path or method that does not exist: that is still a 404.
    if (request.is404) return reply.code(404).send(NOT_FOUND_BODY);
    const known = error instanceof DomainError ? error : fromFastify(error);
    if (known) {
      const { status, body } = errorResponse(known);
      return reply.code(status).send(body);
    }
    if (isDatabaseUnreachable(error)) {
      request.log.error({ err: error }, 'database not answering');
      return reply.code(503).header('retry-after', '1').send(DATABASE_UNAVAILABLE_BODY);
    }
    request.log.error({ err: error }, 'unexpected failure');
    return reply.code(500).send(INTERNAL_ERROR_BODY);
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(NOT_FOUND_BODY));
}
