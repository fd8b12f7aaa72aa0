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
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const token = request.headers['access-token'];
    request.grant = await auth.authenticate(Array.isArray(token) ? token[0] : token, request.headers.host);
    const scope = request.routeOptions.config.scope;
    if (scope) requireScope(request.grant, scope);
    if (request.method === 'POST' || request.method === 'PUT') {
      const type = request.headers['content-type'] ?? '';
      if (!/^application\/json\s*(;|$)/i.test(type)) throw badRequest('Content-Type must be application/json');
    }
  });
}
