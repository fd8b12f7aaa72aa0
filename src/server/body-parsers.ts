import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { errorAnswer } from '../contract/error-catalogue.js';
import { DEFAULT_VERSION } from '../contract/versions.js';

/**
 * Bodies: JSON is parsed (POST and PUT must send one; the auth plugin refuses other types for them
 * before parsing). Any other method may come with a Content-Type and no body, as many HTTP clients
 * send `Content-Type: application/json` on every request: that is not an error. Bodies of other
 * types are never read.
 */
export function acceptBodies(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' && request.method !== 'POST' && request.method !== 'PUT') return done(null, undefined);
    json(request, body as string, done);
  });
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
}

/**
 * Answers what Node's HTTP parser refuses before a request exists (header overflow, broken framing,
 * a request sent too slowly) in the contract's shape, with a Request-Id, then closes the connection.
 */
export function answerClientError(error: Error, socket: Socket): void {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const answer = errorAnswer(
    DEFAULT_VERSION.errors,
    code === 'HPE_HEADER_OVERFLOW' ? 'HeaderFieldsTooLarge' : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'RequestTimeout' : 'BadRequest',
    ['the request is malformed'],
  );
  const body = JSON.stringify(answer.body);
  socket.end(
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Request-Id: ${randomUUID()}\r\nConnection: close\r\n\r\n${body}`,
  );
}
