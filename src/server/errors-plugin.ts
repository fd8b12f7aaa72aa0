import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { binarySize, errorAnswer } from '../contract/error-catalogue.js';
import { versionOfUrl } from '../contract/versions.js';
import { badRequest, databaseUnavailable, DomainError, internal, payloadTooLarge, routeNotFound } from '../domain/errors.js';
import { discardBody } from './body-parsers.js';
import { exhaustedStorage } from './exhausted-storage.js';

/** Fastify's own request errors, as domain errors. */
function fromFastify(error: FastifyError, bodyLimit: string): DomainError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return badRequest('body is not valid JSON');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return badRequest('body is empty');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return payloadTooLarge(`the body exceeds ${bodyLimit}`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return badRequest('Content-Type must be application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return badRequest('Content-Length does not match the body');
  }
  if (error instanceof SyntaxError) return badRequest('body is not valid JSON');
  const status = error.statusCode ?? 500;
  if (status === 413) return payloadTooLarge(`the body exceeds ${bodyLimit}`);
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

/** Sends a domain error in the shape of the version the request's URL names. */
export function sendError(request: FastifyRequest, reply: FastifyReply, error: DomainError): FastifyReply {
  const answer = errorAnswer(versionOfUrl(request.url).errors, error.code, error.messages, error.facts);
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}


/** One error handler for the whole app: domain errors through the catalogue, anything unknown as a bare 500. */
export function registerErrorHandling(app: FastifyInstance, bodyLimitBytes: number): void {
  const bodyLimit = binarySize(bodyLimitBytes);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // Fastify reads the body even for a path or method that does not exist: that is still a 404.
    if (request.is404) return sendError(request, reply, routeNotFound());
    const known = error instanceof DomainError ? error : fromFastify(error, bodyLimit);
    if (known?.code === 'PayloadTooLarge' && !request.raw.complete) {
      // The client is still sending: let it finish (up to a bound) so it can read the 413.
      void discardBody(request.raw).then(() => sendError(request, reply, known));
      return reply;
    }
    if (known) return sendError(request, reply, known);
    const exhausted = exhaustedStorage(error);
    if (exhausted !== null) {
      request.log.error({ err: error }, 'storage full');
      return sendError(request, reply, exhausted);
    }
    if (isDatabaseUnreachable(error)) {
      request.log.error({ err: error }, 'database not answering');
      return sendError(request, reply, databaseUnavailable());
    }
    request.log.error({ err: error }, 'unexpected failure');
    return sendError(request, reply, internal());
  });
  app.setNotFoundHandler((request, reply) => sendError(request, reply, routeNotFound()));
}
