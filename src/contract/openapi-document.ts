import type { TObject, TSchema } from '@sinclair/typebox';
import { DomainError, type ErrorCode } from '../domain/errors.js';
import { versionRoot } from './api-path.js';
import { binarySize, ERROR_CATALOGUE, errorAnswer, errorBodySchema } from './error-catalogue.js';
import { type AnyOperation, bodyOf, errorsOf } from './operation.js';
import { oauthPaths } from './oauth-endpoints.js';
import { OPERATIONS } from './operations/index.js';
import { readPathIds } from './uuid.js';
import { API_VERSIONS, type ApiVersion } from './versions.js';

/** Where the document says the server is: the platform's store address shape, and plain loopback. */
export interface DocumentServers {
  /** PRODIMG_BASE_DOMAIN: `http://{subdomain}.<it>:{port}`. */
  baseDomain: string;
  /** The default of the `{port}` variables. */
  port: number;
  /** The largest body accepted, in bytes (the 413's words). */
  bodyLimit: number;
  /**
   * The default of `{subdomain}`, where a reference's Try It! is sent: a store that answers (the
   * server gives its first active one). Absent: `store123`, the platform's example, so a document
   * made without a database (`prodimg openapi`) is the same on every run.
   */
  store?: string;
}

/** The `{subdomain}` default when no store is named. */
export const EXAMPLE_STORE = 'store123';

type Json = Record<string, unknown>;

/** The newest served version: the document `/openapi.json` serves without `?version`. */
export const NEWEST_VERSION: ApiVersion = API_VERSIONS[API_VERSIONS.length - 1]!;

/**
 * The OpenAPI 3.1 document of one API version, made from the operation declarations (OPERATIONS),
 * the version's success wrapper and the error catalogue: what the server does is what it says.
 * Error examples are the bodies the server answers, made by the same readers and catalogue.
 */
export function openApiDocument(version: ApiVersion, servers: DocumentServers): Json {
  const components = new Components();
  const paths: Record<string, Json> = {};
  for (const operation of OPERATIONS) {
    const path = versionRoot(version.name) + operation.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [operation.method.toLowerCase()]: operationObject(operation, version, servers, components) };
  }
  // The OAuth install flow is no API operation (another host path, no Access-Token), but apps call it too.
  Object.assign(paths, oauthPaths((schema) => components.plain(schema) as Json));
  const tags = [...new Set([...OPERATIONS.map((operation) => operation.tag), 'OAuth'])].map((name) => ({ name }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'prodimg admin API',
      version: version.name,
      description:
        `The store platform's admin OpenAPI for products, their images and variants, version ${version.name}, as prodimg serves it. ` +
        'Every call sends a store\'s token in the `Access-Token` header; a call to `{subdomain}.' +
        `${servers.baseDomain}\` must use that store's token.`,
    },
    servers: [
      {
        url: `http://{subdomain}.${servers.baseDomain}:{port}`,
        description: "A store's own address, as on the platform",
        variables: { subdomain: { default: servers.store ?? EXAMPLE_STORE }, port: { default: String(servers.port) } },
      },
      { url: 'http://127.0.0.1:{port}', description: 'This machine', variables: { port: { default: String(servers.port) } } },
    ],
    security: [{ AccessToken: [] }],
    tags,
    paths,
    components: {
      securitySchemes: {
        AccessToken: { type: 'apiKey', in: 'header', name: 'Access-Token', description: 'A token made by `prodimg tokens create`.' },
      },
      schemas: components.schemas,
      headers: { 'Request-Id': { description: 'A unique id of this answer, for support and logs.', schema: { type: 'string', format: 'uuid' } } },
    },
  };
}

/** The served version named `name`, or undefined. */
export function servedVersion(name: string): ApiVersion | undefined {
  return API_VERSIONS.find((version) => version.name === name);
}

function operationObject(operation: AnyOperation, version: ApiVersion, servers: DocumentServers, components: Components): Json {
  const scope = operation.scope ? `Requires \`${operation.scope}\` access scope.` : 'Any valid token of an active store may call it.';
  const parameters = [
    // The example is the parameter's own: a schema's `examples` make a reference's console offer a
    // pick-list instead of a field to type an id in.
    ...Object.entries((operation.params as TObject).properties).map(([name, schema]) => {
      const { examples, ...plain } = components.plain(schema) as { examples?: unknown[] };
      return { name, in: 'path', required: true, schema: plain, example: examples?.[0] };
    }),
    ...Object.entries((operation.query as TObject | undefined)?.properties ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: ((operation.query as TObject).required ?? []).includes(name),
      schema: components.plain(schema),
    })),
  ];
  return {
    operationId: operation.id,
    tags: [operation.tag],
    summary: operation.summary,
    description: `${scope}\n\n${operation.description}`,
    ...(operation.scope ? { 'x-scope': operation.scope } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(operation.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: components.plain(bodyOf(operation, version)!) } } } }
      : {}),
    responses: {
      200: {
        description: 'Success',
        headers: { 'Request-Id': { $ref: '#/components/headers/Request-Id' } },
        content: { 'application/json': { schema: components.plain(version.successSchema(operation.response as TSchema, operation.envelopeRoot)) } },
      },
      ...errorResponses(operation, version, servers, components),
    },
  };
}

/** Each status the operation's errors answer with in this version: the body schemas and one example per error. */
function errorResponses(operation: AnyOperation, version: ApiVersion, servers: DocumentServers, components: Components): Record<string, Json> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorsOf(operation)) {
    const status = ERROR_CATALOGUE[code][version.errors].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, Json> = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const schemas = [...new Map(codes.map((code) => [JSON.stringify(errorBodySchema(version.errors, code)), errorBodySchema(version.errors, code)])).values()];
    const examples: Record<string, Json> = {};
    for (const code of codes) {
      for (const [name, messages] of exampleMessages(operation, version, code, servers)) examples[name] = { value: errorAnswer(version.errors, code, messages).body };
    }
    responses[status] = {
      description: Object.keys(examples).join('; '),
      headers: { 'Request-Id': { $ref: '#/components/headers/Request-Id' } },
      content: {
        'application/json': {
          schema: schemas.length === 1 ? components.plain(schemas[0]!) : { anyOf: schemas.map((schema) => components.plain(schema)) },
          examples,
        },
      },
    };
  }
  return responses;
}

/**
 * The facts behind an error, as the server would state them for this operation: the readers' own
 * messages for the path's ids and an empty body, the scope, the limits. One entry per example.
 */
function exampleMessages(operation: AnyOperation, version: ApiVersion, code: ErrorCode, servers: DocumentServers): Array<[string, string[]]> {
  switch (code) {
    case 'Validation': {
      const found: Array<[string, string[]]> = [];
      const pathIds = thrown(() => readPathIds(operation.params, {}));
      if (pathIds) found.push(['Invalid path ids', pathIds]);
      if (operation.body) {
        const body = thrown(() => operation.read?.({ query: {}, body: emptyBody(bodyOf(operation, version)!), version }));
        if (body) found.push(['Invalid body', body]);
      }
      return found.length > 0 ? found : [['Invalid parameters', ['Per page must be an integer']]];
    }
    case 'Forbidden':
      return [['Missing scope', [operation.scope ?? 'read_product']]];
    case 'BadRequest': {
      const host: [string, string[]] = ['Bad Host', ['the Host header is not valid (expected a host name and an optional numeric port)']];
      return operation.body ? [['Not JSON', ['Content-Type must be application/json']], host] : [host];
    }
    case 'PayloadTooLarge':
      return [['Body too large', [`the body exceeds ${binarySize(servers.bodyLimit)}`]]];
    case 'InsufficientStorage':
      return [['Disk full', ['no space is left on the disk that holds the images; retry once space is freed']]];
    case 'StorageUnavailable':
      return [['Storage out of reach', ['the image storage cannot be written (the data directory is read-only); retry once it is writable']]];
    case 'Overloaded':
      return [['Busy', ['too many image downloads are waiting, retry shortly']]];
    case 'StoreInactive':
      return [['Store not active', []]];
    case 'RecordNotFound':
      return [['Product or image not found', []]];
    case 'RateLimited':
      return [['Rate limited', ["the app's bucket for this store is full (40 requests, leaking 2 per second); retry after 1 s"]]];
    default:
      return [[code.replace(/(?<=[a-z])(?=[A-Z])/g, ' '), []]];
  }
}

/** `{"image":{}}` for a body `{ image: {...} }`: the root present, every field missing; `{}` for a flat body. */
function emptyBody(body: TSchema): unknown {
  const properties = Object.entries((body as TObject).properties ?? {});
  const [root] = properties.length === 1 && properties[0]![1].type === 'object' ? properties[0]! : [];
  return root ? { [root]: {} } : {};
}

function thrown(run: () => unknown): string[] | undefined {
  try {
    run();
  } catch (err) {
    if (err instanceof DomainError && err.code === 'Validation') return [...err.messages];
  }
  return undefined;
}

/**
 * Schemas as the document holds them: plain JSON (TypeBox's symbols dropped), with every schema
 * that has an `$id` (Image, Product, Variant, Option) moved to `components.schemas` and referred to.
 */
class Components {
  readonly schemas: Record<string, unknown> = {};

  plain(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.plain(item));
    if (value === null || typeof value !== 'object') return value;
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (key !== '$id') copy[key] = this.plain(item);
    const id = (value as { $id?: unknown }).$id;
    if (typeof id !== 'string') return copy;
    this.schemas[id] ??= copy;
    return { $ref: `#/components/schemas/${id}` };
  }
}
