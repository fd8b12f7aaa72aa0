import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type CorsPolicy, ownOrListedOrigin } from '../server/cors.js';

/**
 * Why a request to a control endpoint (reset, journal, faults) is refused; null when it may go on.
 * A page the developer visits can send a "simple" cross-site request (a form, or fetch with a
 * text/plain body) that no preflight stops: such a request carries a foreign Origin, or a body that
 * is not JSON. curl and test code send no Origin, and `curl -X POST` no body. Pure, for the table test.
 */
export function controlRefusal(policy: CorsPolicy, headers: IncomingHttpHeaders): string | null {
  const { origin, host } = headers;
  if (origin !== undefined && !ownOrListedOrigin(policy, origin, host)) {
    return `Forbidden: the stand-in's control endpoints answer only this server's own pages and those PRODIMG_CORS_ORIGINS lists, not ${JSON.stringify(origin.slice(0, 200))}`;
  }
  const type = headers['content-type']?.split(';')[0]!.trim().toLowerCase();
  if (hasBody(headers) && type !== 'application/json') {
    return `Forbidden: a body sent to the stand-in's control endpoints must be JSON (Content-Type application/json), got ${type === undefined || type === '' ? 'no Content-Type' : type}`;
  }
  return null;
}

/** A body follows when the length says so or it comes in chunks (HTTP/1.1's two ways of framing one). */
function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
}

/**
 * The routes' onRequest hook: a refusal is a 403 in the classic shape, sent before any body is read
 * and before the handler runs, so nothing changes.
 */
export function controlGuard(policy: CorsPolicy) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const refusal = controlRefusal(policy, request.headers);
    return refusal === null ? undefined : reply.code(403).send({ errors: [refusal] });
  };
}
