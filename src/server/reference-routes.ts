import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { NEWEST_VERSION, openApiDocument, servedVersion } from '../contract/openapi-document.js';
import { API_VERSIONS } from '../contract/versions.js';
import { badRequest, routeNotFound } from '../domain/errors.js';

export interface ReferenceOptions {
  baseDomain: string;
  bodyLimit: number;
  /** The port of the document's server URLs when the request's Host names none. */
  listenPort: () => number;
  /**
   * The subdomain of the store the document's `{subdomain}` defaults to (the first active one), asked
   * on each request so that it follows the stores; undefined when none is active.
   */
  defaultStore: () => Promise<string | undefined>;
}

/** The version /docs opens with: the one the platform's reference and this README show. */
const DOCS_VERSION = '2022-01';

/**
 * The API reference, made from the operation declarations: the OpenAPI document of each served
 * version at `/openapi.json?version=<v>` (the newest without one), and the interactive reference
 * at `/docs`, rendered by Scalar from those documents, with its bundle served from here (no script
 * or font from elsewhere) and its vendor's services (AI agent, developer tools, telemetry) off.
 */
export function registerReferenceRoutes(app: FastifyInstance, options: ReferenceOptions): void {
  app.get('/openapi.json', async (request, reply) => {
    const asked = (request.query as { version?: unknown }).version;
    const version = asked === undefined ? NEWEST_VERSION : typeof asked === 'string' ? servedVersion(asked) : undefined;
    if (!version) throw badRequest(`version must be one of ${API_VERSIONS.map((served) => served.name).join(', ')}`);
    const port = Number(/:(\d+)$/.exec(request.headers.host ?? '')?.[1] ?? options.listenPort());
    // One store's subdomain only, never the list: the document is public, and a store's host is too.
    const store = await options.defaultStore();
    return reply
      .header('cache-control', 'no-cache')
      .send(openApiDocument(version, { baseDomain: options.baseDomain, port, bodyLimit: options.bodyLimit, ...(store ? { store } : {}) }));
  });

  // Scalar's plugin holds its browser bundle in memory (about 30 MiB, 0.6 s to load): it is loaded
  // on the first request for /docs, in an app of its own that answers for this one.
  let reference: Promise<FastifyInstance> | undefined;
  const docs = async (request: FastifyRequest, reply: FastifyReply) => {
    reference ??= scalarApp();
    const answer = await (await reference).inject({ method: 'GET', url: request.url, headers: request.headers });
    if (answer.statusCode === 404) throw routeNotFound();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) reply.header(name, value);
    }
    return reply.code(answer.statusCode).send(answer.rawPayload);
  };
  app.get('/docs', docs);
  app.get('/docs/*', docs);
  app.addHook('onClose', async () => {
    if (reference) await (await reference).close();
  });
}

/** Set by the server that answers, not copied from the reference's app. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date', 'content-length']);

async function scalarApp(): Promise<FastifyInstance> {
  const { default: scalar } = await import('@scalar/fastify-api-reference');
  const inner = Fastify({ logger: false });
  const off = { agent: { disabled: true }, mcp: { disabled: true } };
  await inner.register(scalar, {
    routePrefix: '/docs',
    logLevel: 'silent',
    configuration: {
      title: 'prodimg API reference',
      // Served by favicon-routes.ts; the same icon as the admin page's.
      favicon: '/favicon.svg',
      sources: [...API_VERSIONS].reverse().map((version) => ({
        title: `API ${version.name}`,
        slug: version.name,
        url: `/openapi.json?version=${version.name}`,
        default: version.name === DOCS_VERSION,
        ...off,
      })),
      ...off,
      withDefaultFonts: false,
      telemetry: false,
      showDeveloperTools: 'never',
      hideClientButton: true,
      documentDownloadType: 'json',
      defaultHttpClient: { targetKey: 'shell', clientKey: 'curl' },
      persistAuth: false,
      orderRequiredPropertiesFirst: false,
    },
  });
  await inner.ready();
  return inner;
}
