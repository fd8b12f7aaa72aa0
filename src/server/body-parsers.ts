import { randomUUID } from 'node:crypto';
import { type IncomingMessage, STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { errorAnswer, type WireErrorCode } from '../contract/error-catalogue.js';
import { badRequest } from '../domain/errors.js';
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
    json(request, body as string, (error, value) => done(error && isPrototypeKey(body as string) ? badRequest(PROTOTYPE_KEY) : error, value));
  });
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
}

/**
 * Fastify's parser refuses a `__proto__` key (or a `constructor` key holding a `prototype`) with the
 * same error as broken JSON; text that plain JSON.parse reads (which makes such keys own properties,
 * harmlessly) was refused for that key alone.
 */
function isPrototypeKey(body: string): boolean {
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}
const PROTOTYPE_KEY = 'body must not contain a "__proto__" key, or a "constructor" key with a "prototype"';

/**
 * Answers what Node's HTTP parser refuses before a request exists (header overflow, broken framing,
 * a request sent too slowly) in the contract's shape, with a Request-Id, then closes the connection.
 */
export function answerClientError(error: Error, socket: Duplex): void {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const wire = code === 'HPE_HEADER_OVERFLOW' ? 'HeaderFieldsTooLarge' : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'RequestTimeout' : 'BadRequest';
  answerOnSocket(socket, wire, ['the request is malformed']);
}

/**
 * `CONNECT` asks for a tunnel; Node hands such a request to a `connect` listener, and without one
 * drops the connection unanswered. prodimg is no proxy: it says so, then closes.
 */
export function answerConnect(_request: IncomingMessage, socket: Duplex): void {
  answerOnSocket(socket, 'NotImplemented', ['CONNECT is not supported (this server is not a proxy)']);
}

/**
 * An `Expect` other than `100-continue` (which Node answers itself): Node's own 417 has an empty body,
 * so it is answered here in the contract's shape instead.
 */
export function answerExpectation(request: IncomingMessage, response: ServerResponse): void {
  const answer = errorAnswer(DEFAULT_VERSION.errors, 'ExpectationFailed', [
    `the only expectation supported is "Expect: 100-continue", got ${JSON.stringify(String(request.headers.expect).slice(0, 100))}`,
  ]);
  const body = JSON.stringify(answer.body);
  response.writeHead(answer.status, ['Request-Id', randomUUID(), 'Content-Type', JSON_TYPE, 'Content-Length', String(Buffer.byteLength(body))]);
  response.end(body);
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** Writes an error answer straight to a connection that has no request object, then closes it. */
function answerOnSocket(socket: Duplex, code: WireErrorCode, messages: readonly string[]): void {
  const answer = errorAnswer(DEFAULT_VERSION.errors, code, messages);
  const body = JSON.stringify(answer.body);
  socket.end(
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Request-Id: ${randomUUID()}\r\nConnection: close\r\n\r\n${body}`,
  );
}
