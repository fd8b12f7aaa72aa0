import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type AuthService, requireScope } from '../domain/auth-service.js';
import type { Grant, Scope } from '../domain/entities.js';
import { badRequest } from '../domain/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    grant: Grant;
  }
  interface FastifyContextConfig {
    /** The scope a route needs; every API route declares one. */
    scope?: Scope;
  }
}

/**
 * Runs before the body is read: who is calling (401), is their store active and the one addressed
 * (401), may they do this (403), and is the body JSON at all (400).
 */
export function registerAuth(app: FastifyInstance, auth: AuthService): void {
  app.decorateRequest('grant', null as unknown as Grant);
  // Callback style with a synchronous path for recently checked tokens: no promise per request.
  app.addHook('onRequest', (request: FastifyRequest, _reply, done: (err?: Error) => void) => {
    const header = request.headers['access-token'];
    const token = Array.isArray(header) ? header[0] : header;
    try {
      const grant = auth.cached(token, request.headers.host);
      if (grant) {
        admit(request, grant);
        return done();
      }
    } catch (err) {
      return done(err as Error);
    }
    auth.authenticate(token, request.headers.host).then(
      (grant) => {
        try {
          admit(request, grant);
          done();
        } catch (err) {
          done(err as Error);
        }
      },
      (err: Error) => done(err),
    );
  });
}

/** After the store checks: may this grant do this (403), and is the body JSON at all (400). */
function admit(request: FastifyRequest, grant: Grant): void {
  request.grant = grant;
  const scope = request.routeOptions.config.scope;
  if (scope) requireScope(grant, scope);
  if (request.method === 'POST' || request.method === 'PUT') {
    const type = request.headers['content-type'] ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) throw badRequest('Content-Type must be application/json');
  }
}
