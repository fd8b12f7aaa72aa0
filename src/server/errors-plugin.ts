import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { binarySize, errorAnswer } from '../contract/error-catalogue.js';
import { versionOfUrl } from '../contract/versions.js';
import { badRequest, DomainError, internal, payloadTooLarge, routeNotFound } from '../domain/errors.js';
import { ClientGone } from '../storage/client-gone.js';
import { discardBody } from './body-parsers.js';
import { databaseUnreachable } from './database-unreachable.js';
import { storageFailure } from './storage-failure.js';

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

/** Sends a domain error in the shape of the version the request's URL names. */
export function sendError(request: FastifyRequest, reply: FastifyReply, error: DomainError): FastifyReply {
  const answer = errorAnswer(versionOfUrl(request.url).errors, error.code, error.messages, error.facts);
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}


/** Nobody is left to read an answer: say so in the log, at info, as a client giving up is no fault of ours. */
export function clientGone(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  request.log.info({ method: request.method, url: request.url }, 'client went away; its write was not committed');
  return reply.hijack();
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
    if (error instanceof ClientGone) return clientGone(request, reply);
    const storage = storageFailure(error);
    if (storage !== null) {
      request.log.error({ err: error }, storage.code === 'InsufficientStorage' ? 'storage full' : 'storage refuses writes');
      return sendError(request, reply, storage);
    }
    const unreachable = databaseUnreachable(error);
    if (unreachable !== null) {
      request.log.error({ err: error }, 'database not answering');
      return sendError(request, reply, unreachable);
    }
    request.log.error({ err: error }, 'unexpected failure');
    return sendError(request, reply, internal());
  });
  app.setNotFoundHandler((request, reply) => sendError(request, reply, routeNotFound()));
}
