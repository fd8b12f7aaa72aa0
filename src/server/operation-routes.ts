import type { FastifyInstance, FastifyRequest } from 'fastify';
import { versionRoot } from '../contract/api-path.js';
import type { WireContext } from '../contract/library-src.js';
import { type AnyOperation, bodyOf, type OperationRequest } from '../contract/operation.js';
import { readPathIds } from '../contract/uuid.js';
import type { ApiVersion } from '../contract/versions.js';
import type { Grant } from '../domain/entities.js';
import { badRequest } from '../domain/errors.js';
import { type Admission, type Admitted, tokenOf, withAnswerHeaders } from './admission.js';
import type { Binding } from './binding.js';

declare module 'fastify' {
  interface FastifyRequest {
    grant: Grant;
    /** For fast-read operations: the result the answer was made from (server/fast-read). */
    fastReadSource: object | undefined;
  }
  interface FastifyContextConfig {
    /** The declared operation a route serves; every API route has one. */
    operation?: AnyOperation;
    version?: ApiVersion;
  }
}

// The readers (contract/*-body.ts, uuid.ts, product-query.ts) validate, with the platform's own
// messages in its order (several per 422, rules the schemas cannot state among them); the declared
// schemas state the same rules (a property test holds both to agree) and must not refuse anything first.
const acceptAll = () => () => true;

/**
 * Serves one API version: every bound operation at `/openapi/<version>/<path>`, behind admission,
 * its request read by the operation's reader, its answer wrapped by the version and serialised from
 * the declared schema.
 */
export async function registerApiVersion(
  app: FastifyInstance,
  version: ApiVersion,
  bindings: readonly Binding[],
  admission: Admission,
  /** The request's CDN base for `src` (server/wire-context.ts), from its Host. */
  wire: (host: string | undefined) => WireContext,
): Promise<void> {
  await app.register(
    async (api) => {
      api.addHook('onRequest', (request, reply, done) => {
        const operation = request.routeOptions.config.operation!;
        const asked = { token: tokenOf(request.headers['access-token']), host: request.headers.host };
        // Synchronous for recently checked tokens: no promise per request.
        let admitted: Admitted | undefined;
        try {
          admitted = admission.fromMemory(asked, operation.scope);
          if (admitted) {
            admit(request, reply.raw, admitted);
            return done();
          }
        } catch (err) {
          return done(withAnswerHeaders(reply.raw, err as Error));
        }
        admission.admit(asked, operation.scope).then(
          (later) => {
            try {
              admit(request, reply.raw, later);
              done();
            } catch (err) {
              done(err as Error);
            }
          },
          (err: Error) => done(withAnswerHeaders(reply.raw, err)),
        );
      });
      for (const binding of bindings) {
        const { operation } = binding;
        api.route({
          method: operation.method,
          url: operation.path,
          config: { operation, version },
          schema: {
            params: operation.params,
            ...(operation.query ? { querystring: operation.query } : {}),
            ...(operation.body ? { body: bodyOf(operation, version) } : {}),
            response: { 200: version.successSchema(operation.response, operation.envelopeRoot) },
          },
          validatorCompiler: acceptAll,
          handler: async (request) => {
            const context = wire(request.headers.host);
            const result = await binding.run(readRequest(operation, request.params, request.query, request.body, context, version), request.grant);
            if (operation.fastRead) request.fastReadSource = result as object;
            return version.success(operation.answer(result, context), operation.envelopeRoot);
          },
        });
      }
    },
    { prefix: versionRoot(version.name) },
  );
}

/** After admission: remember the grant, add its headers, and refuse a body that is not JSON (400). */
function admit(request: FastifyRequest, raw: { setHeader(name: string, value: string): unknown }, admitted: Admitted): void {
  request.grant = admitted.grant;
  for (let i = 0; i < admitted.headers.length; i += 2) raw.setHeader(admitted.headers[i]!, admitted.headers[i + 1]!);
  if (request.method === 'POST' || request.method === 'PUT') {
    const type = request.headers['content-type'] ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) throw badRequest('Content-Type must be application/json');
  }
}

/** The request as a use case gets it: the path's ids, then the query and body read by the operation. */
export function readRequest(
  operation: AnyOperation,
  params: unknown,
  query: unknown,
  body: unknown,
  context?: WireContext,
  version?: ApiVersion,
): OperationRequest<any, unknown> {
  const path = readPathIds(operation.params, params as Record<string, unknown>);
  return { path, input: operation.read?.({ query: query as Record<string, unknown>, body, ...(context ? { context } : {}), ...(version ? { version } : {}) }) };
}
