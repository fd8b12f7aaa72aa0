import { randomUUID } from 'node:crypto';
import { type IncomingMessage, STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { binarySize, errorAnswer, type WireErrorCode } from '../contract/error-catalogue.js';
import { badRequest } from '../domain/errors.js';
import { DEFAULT_VERSION, versionOfUrl } from '../contract/versions.js';

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

/**
 * `Expect: 100-continue`: a client announcing a body over the limit gets its 413 at once and never
 * sends the body (Node would send the 100 unasked, the client would send it all, and a closing
 * connection would often cut the 413 off). Any other request gets its 100 and goes on as usual.
 */
export function continueOrRefuse(bodyLimit: number, handle: (request: IncomingMessage, response: ServerResponse) => void) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const announced = Number(request.headers['content-length']);
    if (!(announced > bodyLimit)) {
      response.writeContinue();
      return handle(request, response);
    }
    const answer = errorAnswer(versionOfUrl(request.url ?? '/').errors, 'PayloadTooLarge', [`the body exceeds ${binarySize(bodyLimit)}`]);
    const body = JSON.stringify(answer.body);
    response.shouldKeepAlive = false;
    response.writeHead(answer.status, ['Request-Id', randomUUID(), 'Content-Type', JSON_TYPE, 'Content-Length', String(Buffer.byteLength(body)), 'Connection', 'close']);
    response.end(body);
  };
}

/** At most this much of a refused body is read and thrown away so the client gets to read the 413. */
export const DISCARD_LIMIT = 16 * 1024 * 1024;

/**
 * Reads and discards what is left of a request's body, up to `limit` bytes, then resolves: answering
 * (and closing) while the client is still sending makes the kernel reset the connection, and most
 * clients then report EPIPE instead of the answer. A body longer than that is cut off all the same.
 */
export function discardBody(request: IncomingMessage, limit = DISCARD_LIMIT): Promise<void> {
  if (request.complete || request.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let read = 0;
    const done = () => {
      request.off('data', onData);
      request.off('end', done);
      request.off('close', done);
      request.off('error', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > limit) done();
    };
    request.on('data', onData);
    request.once('end', done);
    request.once('close', done);
    request.once('error', done);
    request.resume();
  });
}

/** Writes an error answer straight to a connection that has no request object, then closes it. */
function answerOnSocket(socket: Duplex, code: WireErrorCode, messages: readonly string[]): void {
  const answer = errorAnswer(DEFAULT_VERSION.errors, code, messages);
  const body = JSON.stringify(answer.body);
  socket.end(
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Request-Id: ${randomUUID()}\r\nConnection: close\r\n\r\n${body}`,
  );
}
