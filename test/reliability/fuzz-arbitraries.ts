import fc from 'fast-check';

/**
 * Generators for the request fuzz suites. Each request carries the facts the generator knows about
 * it (which route it reaches, which credentials it holds), so the tests can predict the answer
 * wherever the contract decides it, and check only its shape elsewhere.
 */

export type Route = 'images' | 'imagesCount' | 'image' | 'products' | 'productsCount' | 'product' | 'cdn';
export type Auth = 'good' | 'readOnly' | 'inactive' | 'otherStore' | 'otherHost' | 'none' | 'bad';
export type ContentType = 'json' | 'notJson' | 'odd' | 'none';

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** The route Fastify picks for this method and path; null: none; undefined: not worked out (raw paths). */
  route: Route | null | undefined;
  auth: Auth;
  contentType: ContentType;
  /** A path parameter over the router's length limit (PARAM_LIMIT), answered by the router with a 400. */
  longParam: boolean;
  /** The payload is over the 1 MiB body limit. */
  oversize: boolean;
  /** Product and image the path names (decoded), when it names them. */
  productId?: string;
  imageId?: string;
}

export interface FuzzContext {
  tokens: { good: string; readOnly: string; inactive: string; otherStore: string };
  /** The product no batch may change, and its images. */
  known: { product: string; images: readonly string[] };
  /** Products a batch may change, read when each request is generated (ids come and go as writes succeed). */
  scratch: () => ReadonlyArray<{ product: string; images: readonly string[] }>;
  /** Name of a stored original under /cdn. */
  cdnName: string;
  /** Sizes the CDN is configured to render. */
  cdnSizes: readonly number[];
}

export const BODY_LIMIT = 1024 * 1024;
export const BASE_DOMAIN = 'myshoplaza.localhost';
export const MISSING = '00000000-0000-4000-8000-000000000000';
/** routerOptions.maxParamLength in src/server/build-app.ts: a longer path parameter never reaches a route. */
export const PARAM_LIMIT = 4096;
const API_VERSIONS = ['2022-01', '2020-07'];
const WRITES = new Set(['POST', 'PUT', 'DELETE']);

// ---------------------------------------------------------------------------------------------
// Scalars

/** Text of every kind: controls (NUL included), invisible and bidi marks, combining, astral, quotes. */
const SPECIAL = ['\u0000', '\u0001', '\u0007', '\b', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u00a0', '\u200b', '\u200e', '\u202e',
  '\u2028', '\ufeff', '\ufffd', '\uffff', 'é', 'e\u0301', '𝕏', '😀', '👩‍👩‍👧', '﷽', '"', '\\', "'", '<script>', '%00', '%', '/', '..', '?#'];
export const text = (maxLength = 40): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: fc.constantFrom(...SPECIAL), maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
  );

/** Text for JSON string fields: also lone surrogates ("\ud800" is valid JSON; neither database keeps it). */
export const fieldText = (maxLength = 40): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: text(maxLength) },
    { weight: 1, arbitrary: fc.tuple(text(5), fc.integer({ min: 0xd800, max: 0xdfff }), text(5)).map(([a, c, b]) => `${a}${String.fromCharCode(c)}${b}`) },
  );

/** Lengths on and around every limit in the contract. */
const longText = fc
  .tuple(fc.constantFrom(255, 256, 512, 513, 2048, 2049, 4096, 4097, 65_536), fc.integer({ min: -1, max: 1 }), fc.constantFrom('x', 'é', '😀'))
  .map(([n, d, ch]) => ch.repeat(n + d));

/** Numbers and would-be numbers: huge, negative, fractional, exponent forms, as JSON numbers or strings. */
const NUMBERISH = ['0', '-0', '1', '+1', ' 7 ', '00012', '1e3', '1E3', '1e309', '-1e309', '0x10', '0b1', '1_000', '1.0', '1.', '.5', '2147483647',
  '2147483648', '-2147483649', '9007199254740993', '9'.repeat(400), 'NaN', 'Infinity', '-Infinity', 'null', 'true', '١٢', '１２', '12px', '', ' '];
export const numberish: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -5, max: 400 }),
  fc.constantFrom(0, -0, -1, 0.5, 1.5, 2 ** 31 - 1, 2 ** 31, 2 ** 53, -(2 ** 53), Number.MAX_VALUE, Number.MIN_VALUE, 1e21),
  fc.double(),
  fc.constantFrom(...NUMBERISH),
  fc.integer().map(String),
);

const SRC_EDGES = ['//cdn.example.com/a.png', 'http://a.example/a.jpg?x=1#f', 'HTTPS://A.EXAMPLE/X.JPG', 'https://例え.jp/画像.jpg',
  'https://[::1]/a.jpg', 'http://127.0.0.1:99999/a.jpg', 'https://', 'http:///a.jpg', '//', 'ftp://a.example/a.jpg', 'javascript:alert(1)',
  'data:image/png;base64,AAAA', 'file:///etc/passwd', 'https://a.example/a b.jpg', ' https://a.example/a.jpg', 'https://a.example/\t.jpg',
  'https://a.example/%zz', 'https://user:pw@a.example/a.jpg', 'a.example/a.jpg'];
export const src: fc.Arbitrary<unknown> = fc
  .oneof(
    { weight: 4, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
    { weight: 2, arbitrary: fc.constantFrom(...SRC_EDGES) },
    { weight: 1, arbitrary: fieldText().map((t) => `https://a.example/${t}`) },
    { weight: 1, arbitrary: longText.map((t) => `https://a.example/${t}`) },
  );

/** Any JSON value, with the hostile scalars mixed in. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: numberish },
  { weight: 3, arbitrary: fieldText() },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, '', [], {}) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);
export const field = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: anyJson });

// ---------------------------------------------------------------------------------------------
// Ids, tokens, hosts

/** Almost-valid and invalid UUIDs: wrong length, wrong characters, braces, URNs, look-alike digits. */
export const uuidish: fc.Arbitrary<string> = fc.oneof(
  fc.uuid().map((u) => u.toUpperCase()),
  fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
  fc.uuid().map((u) => u.slice(0, -1)),
  fc.uuid().map((u) => `${u}0`),
  fc.uuid().map((u) => u.replaceAll('-', '')),
  fc.uuid().map((u) => `{${u}}`),
  fc.uuid().map((u) => `urn:uuid:${u}`),
  fc.uuid().map((u) => ` ${u}`),
  fc.uuid().map((u) => `${u}\n`),
  fc
    .tuple(fc.uuid(), fc.nat(35), fc.constantFrom('g', 'z', '-', '٣', 'Ｆ', '\u0000', ' '))
    .map(([u, i, c]) => u.slice(0, i) + c + u.slice(i + 1)),
);

/** A path segment that is no id at all, up to a few KB, on both sides of the router's parameter limit. */
const junkSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: text(30) },
  { weight: 2, arbitrary: fc.constantFrom('count', 'images', 'products', '-1', '0', '1e309', 'NaN', 'null', '%', '%zz', '\\', ';', ' ') },
  { weight: 1, arbitrary: fc.integer({ min: 90, max: PARAM_LIMIT + 1000 }).map((n) => 'a'.repeat(n)) },
);

const segmentArbitrary = (own: fc.Arbitrary<string>) =>
  fc
    .oneof({ weight: 12, arbitrary: own }, { weight: 1, arbitrary: fc.uuid() }, { weight: 2, arbitrary: uuidish }, { weight: 1, arbitrary: junkSegment })
    // Dot segments are folded by URL parsing before routing; they are covered by raw paths.
    .filter((s) => s !== '' && !/^\.+$/.test(s));

/** Real tokens changed a little, random ones, empty, huge. */
const badToken = (good: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.nat(63).map((i) => good.slice(0, i) + (good[i] === 'a' ? 'b' : 'a') + good.slice(i + 1)),
    fc.constantFrom(good.slice(0, -1), `${good}0`, good.toUpperCase(), `Bearer ${good}`, '', 'null', 'undefined'),
    fc.stringMatching(/^[0-9a-f]{64}$/),
    printable(80),
    fc.integer({ min: 1000, max: 6000 }).map((n) => 'f'.repeat(n)),
  );

/** Hosts of the token's own store, of another store, and ones that are not checked at all. */
const ownHost = fc.constantFrom(
  `alpha.${BASE_DOMAIN}`,
  `ALPHA.${BASE_DOMAIN.toUpperCase()}:8080`,
  `alpha.${BASE_DOMAIN}.`,
  'localhost',
  '127.0.0.1:3000',
  '[::1]',
  BASE_DOMAIN,
  'shop.example.com',
);
const otherHost = fc.constantFrom(`beta.${BASE_DOMAIN}`, `x.alpha.${BASE_DOMAIN}`, `alpha-2.${BASE_DOMAIN}:443`, `${'a'.repeat(300)}.${BASE_DOMAIN}`);
const printable = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });

type Credentials = { auth: Auth; headers: Record<string, string> };

const authHeaders = (ctx: FuzzContext): fc.Arbitrary<Credentials> => {
  const token = (auth: Auth, value: string, host?: string): Credentials => ({ auth, headers: { 'access-token': value, ...(host ? { host } : {}) } });
  return fc.oneof(
    { weight: 24, arbitrary: fc.option(ownHost, { nil: undefined }).map((host) => token('good', ctx.tokens.good, host)) },
    { weight: 1, arbitrary: fc.constant(token('readOnly', ctx.tokens.readOnly)) },
    { weight: 1, arbitrary: fc.constant(token('inactive', ctx.tokens.inactive)) },
    { weight: 1, arbitrary: fc.constant(token('otherStore', ctx.tokens.otherStore)) },
    { weight: 1, arbitrary: otherHost.map((host) => token('otherHost', ctx.tokens.good, host)) },
    { weight: 1, arbitrary: fc.constantFrom<Credentials>({ auth: 'none', headers: {} }, { auth: 'none', headers: { authorization: `Bearer ${ctx.tokens.good}` } }) },
    { weight: 2, arbitrary: badToken(ctx.tokens.good).map((t) => token('bad', t)) },
  );
};

/** Headers nobody asked for: a few KB of them at most (Node's own limit is 16 KB; see fuzz-socket.test.ts). */
const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
  fc.oneof(printable(40), fc.integer({ min: 100, max: 3000 }).map((n) => 'v'.repeat(n))),
  { maxKeys: 3 },
);

// ---------------------------------------------------------------------------------------------
// Bodies

/** An image object; with `withId`, a product's gallery entry whose id is mostly one of that product's own images. */
const imageFields = (ctx: FuzzContext, withId: boolean, productId?: string): fc.Arbitrary<Record<string, unknown>> => {
  const model = {
    src: field(src),
    position: field(fc.integer({ min: 1, max: 12 })),
    alt: field(fc.oneof({ weight: 5, arbitrary: fieldText() }, { weight: 1, arbitrary: longText })),
    width: field(fc.integer({ min: 1, max: 5000 })),
    height: field(fc.integer({ min: 1, max: 5000 })),
    x_unknown: anyJson,
  };
  if (!withId) return fc.record(model, { requiredKeys: [] });
  const own = fc.nat().map((i) => {
    const images = ctx.scratch().find((p) => p.product === productId)?.images ?? [];
    return images.length > 0 ? images[i % images.length] : undefined;
  });
  const id = fc.oneof(
    { weight: 12, arbitrary: own },
    { weight: 1, arbitrary: fc.constantFrom(...ctx.known.images) },
    { weight: 1, arbitrary: fc.nat().map((i) => anyScratchImage(ctx, i)) },
    { weight: 1, arbitrary: fc.oneof(fc.uuid(), uuidish, anyJson) },
  );
  return fc.record({ id, ...model }, { requiredKeys: [] });
};

const productFields = (ctx: FuzzContext, productId: string | undefined) =>
  fc.record(
    {
      title: field(fc.oneof({ weight: 5, arbitrary: fieldText() }, { weight: 1, arbitrary: longText })),
      handle: field(fieldText()),
      description: field(fc.oneof({ weight: 5, arbitrary: fieldText() }, { weight: 1, arbitrary: longText })),
      vendor: field(fieldText()),
      tags: field(fieldText()),
      published: field(fc.boolean()),
      images: fc.oneof(
        { weight: 6, arbitrary: fc.array(fc.oneof({ weight: 8, arbitrary: imageFields(ctx, true, productId) }, { weight: 1, arbitrary: anyJson }), { maxLength: 5 }) },
        { weight: 1, arbitrary: anyJson },
        // At and over the 250-image limit.
        { weight: 1, arbitrary: fc.constantFrom(250, 251).map((n) => Array.from({ length: n }, (_, i) => ({ src: `https://a.example/${i}.jpg` }))) },
      ),
    },
    { requiredKeys: [] },
  );

/** The value as JSON text, or that text damaged: duplicated keys, cut short, deep, odd syntax, bytes. */
const encodings = (root: string, fields: Record<string, unknown>): fc.Arbitrary<string | Buffer> => {
  const json = JSON.stringify({ [root]: fields });
  const inner = JSON.stringify(fields).slice(1, -1);
  const duplicated = fc
    .tuple(fc.constantFrom('src', 'position', 'alt', 'width', 'title', 'images'), anyJson)
    .map(([k, v]) => `{"${root}":{${inner}${inner ? ',' : ''}"${k}":${JSON.stringify(v)}}}`);
  const oddSyntax = [`\ufeff${json}`, `${json}garbage`, `${json}\n${json}`, json.replace(':', ': NaN, "x":'), `{'${root}':{}}`, `{"${root}":{},}`, `/*c*/${json}`];
  const withBytes = (bytes: Uint8Array) => Buffer.concat([Buffer.from(`{"${root}":{"alt":"`), bytes, Buffer.from('"}}')]);
  return fc.oneof(
    { weight: 36, arbitrary: fc.constant(json) },
    { weight: 1, arbitrary: anyJson.map((v) => JSON.stringify({ [root]: v })) },
    { weight: 1, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
    // Duplicated keys: the last one wins in JSON.parse, so a valid value can hide a bad one and vice versa.
    { weight: 2, arbitrary: duplicated },
    { weight: 1, arbitrary: fc.constant(`{"${root}":{}, "${root}":${JSON.stringify(fields)}}`) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: json.length - 1 }).map((n) => json.slice(0, n)) },
    { weight: 1, arbitrary: fc.constantFrom(...oddSyntax) },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype').map((k) => `{"${root}":${JSON.stringify(fields)},"${k}":{"polluted":1}}`) },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor').map((k) => `{"${root}":{"${k}":{"prototype":{"x":1}},${inner}}}`) },
    // Bytes that are not UTF-8 inside a string.
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map(withBytes) },
  );
};

/** Nesting 10k deep (100k in stress runs: still well under 1 MiB). */
export const deepJson = (root: string, maxDepth: number): fc.Arbitrary<string> =>
  fc.tuple(fc.integer({ min: 1, max: maxDepth }), fc.constantFrom('array', 'object', 'field', 'unbalanced')).map(([depth, shape]) => {
    if (shape === 'array') return '['.repeat(depth) + ']'.repeat(depth);
    if (shape === 'object') return `{"${root}":`.repeat(depth) + '{}' + '}'.repeat(depth);
    if (shape === 'field') return `{"${root}":{"src":"https://a.example/x.jpg","alt":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    return '{"a":'.repeat(depth);
  });

/** Bodies on both sides of the 1 MiB limit, and far over it. */
export const sizedJson = (root: string): fc.Arbitrary<{ payload: string; oversize: boolean }> =>
  fc.constantFrom(-64, 0, 1, 64, BODY_LIMIT).map((over) => {
    const frame = `{"${root}":{"src":"https://a.example/x.jpg","alt":""}}`;
    const payload = frame.replace('"alt":""', `"alt":"${'x'.repeat(BODY_LIMIT + over - frame.length)}"`);
    return { payload, oversize: Buffer.byteLength(payload) > BODY_LIMIT };
  });

const root = (route: Route | null | undefined) => (route === 'products' || route === 'product' ? 'product' : 'image');
const bodyFields = (ctx: FuzzContext, route: Route | null | undefined, productId: string | undefined) =>
  root(route) === 'product' ? productFields(ctx, productId) : imageFields(ctx, false);

type Body = { payload: string | Buffer; oversize: boolean };
const fits = (payload: string | Buffer): Body => ({ payload, oversize: false });

const bodyFor = (ctx: FuzzContext, route: Route | null | undefined, method: string, productId: string | undefined, maxDepth: number): fc.Arbitrary<Body> =>
  fc.oneof(
    { weight: 20, arbitrary: bodyFields(ctx, route, productId).chain((f) => encodings(root(route), f)).map(fits) },
    { weight: 1, arbitrary: deepJson(root(route), maxDepth).map(fits) },
    { weight: 1, arbitrary: fc.constant(fits('')) },
    // Bodies on reads and deletes are rarer and never huge.
    ...(method === 'POST' || method === 'PUT' ? [{ weight: 1, arbitrary: sizedJson(root(route)) }] : []),
  );

type TypeHeader = { contentType: ContentType; value?: string };
const typed = (contentType: ContentType, ...values: string[]) => fc.constantFrom(...values).map((value): TypeHeader => ({ contentType, value }));
/** What the contract accepts (json), what it refuses (notJson), and JSON with odd parameters it does not pin down. */
const contentType: fc.Arbitrary<TypeHeader> = fc.oneof(
  { weight: 24, arbitrary: typed('json', 'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json;charset=UTF-8') },
  {
    weight: 2,
    arbitrary: typed('notJson', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx',
      'application/json-patch+json', 'text/json', 'application/xml', 'image/png', '', '*/*'),
  },
  {
    weight: 1,
    arbitrary: typed('odd', 'application/json; charset=latin1', 'application/json ; x=y', 'application/json;', `application/json;${' a=b;'.repeat(400)}`,
      'application/vnd.api+json'),
  },
  { weight: 1, arbitrary: fc.constant<TypeHeader>({ contentType: 'none' }) },
);

// ---------------------------------------------------------------------------------------------
// Paths

/** The route Fastify picks: static segments win, and a method missing there falls back to the parameter. */
export function routeOf(method: string, segments: readonly string[]): Route | null {
  const reads = method === 'GET' || method === 'HEAD';
  const [products, id, images, imageId, ...rest] = segments;
  if (products !== 'products' || rest.length > 0) return null;
  if (id === undefined) return reads || method === 'POST' ? 'products' : null;
  if (images === undefined) {
    if (id === 'count' && reads) return 'productsCount';
    return reads || method === 'PUT' || method === 'DELETE' ? 'product' : null;
  }
  if (images !== 'images') return null;
  if (imageId === undefined) return reads || method === 'POST' ? 'images' : null;
  if (imageId === 'count' && reads) return 'imagesCount';
  return reads || method === 'PUT' || method === 'DELETE' ? 'image' : null;
}

const pick = (ids: readonly string[], i: number): string => ids[i % Math.max(1, ids.length)] ?? MISSING;
const imagesOf = (ctx: FuzzContext, productId: string | undefined): readonly string[] =>
  productId?.toLowerCase() === ctx.known.product ? ctx.known.images : (ctx.scratch().find((p) => p.product === productId)?.images ?? []);
const anyScratchImage = (ctx: FuzzContext, i: number): string => pick(ctx.scratch().flatMap((p) => p.images), i);

/** A pool product and one of its images, as the pool is when the request is generated. */
const pooled = (ctx: FuzzContext) =>
  fc.noBias(fc.nat()).map((i) => {
    const pool = ctx.scratch();
    const product = pool[i % Math.max(1, pool.length)];
    return { product: product?.product ?? MISSING, image: pick(product?.images ?? [], Math.floor(i / 7)) };
  });

const productRef = (ctx: FuzzContext, withKnown: boolean) =>
  segmentArbitrary(
    fc.oneof(
      { weight: 6, arbitrary: pooled(ctx).map((t) => t.product) },
      ...(withKnown ? [{ weight: 2, arbitrary: fc.constantFrom(ctx.known.product, ctx.known.product.toUpperCase()) }] : []),
      { weight: 1, arbitrary: fc.constant(MISSING) },
    ),
  );

const imageRef = (ctx: FuzzContext, productId: string) =>
  segmentArbitrary(
    fc.oneof(
      { weight: 4, arbitrary: fc.nat().map((i) => pick(imagesOf(ctx, productId), i)) },
      { weight: 1, arbitrary: fc.constantFrom(...ctx.known.images) },
      { weight: 1, arbitrary: fc.nat().map((i) => anyScratchImage(ctx, i)) },
      { weight: 1, arbitrary: fc.constant('count') },
    ),
  );

/** Segments below /openapi/<version>/: mostly the paths the method has, sometimes any path. */
const apiSegments = (ctx: FuzzContext, withKnown: boolean, forMethod?: string): fc.Arbitrary<string[]> => {
  const list = fc.constant<string[]>(['products']);
  const count = fc.constant<string[]>(['products', 'count']);
  const product = productRef(ctx, withKnown).map((p) => ['products', p]);
  const images = productRef(ctx, withKnown).map((p) => ['products', p, 'images']);
  const imagesCount = productRef(ctx, withKnown).map((p) => ['products', p, 'images', 'count']);
  const image = productRef(ctx, withKnown).chain((p) => imageRef(ctx, p).map((i) => ['products', p, 'images', i]));
  const any = fc.oneof(list, count, product, images, imagesCount, image);
  const weighted = (...pairs: Array<[number, fc.Arbitrary<string[]>]>) => fc.oneof(...pairs.map(([weight, arbitrary]) => ({ weight, arbitrary })));
  if (forMethod === 'POST') return weighted([6, list], [6, images], [2, any]);
  if (forMethod === 'PUT') return weighted([12, product], [18, image], [5, any]);
  // Deleting a whole product is kept rarer than deleting an image, so batches do not run out of products.
  if (forMethod === 'DELETE') return weighted([4, product], [26, image], [5, any]);
  return any;
};

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'];
const ODD_METHODS = ['PATCH', 'OPTIONS', 'TRACE', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'SEARCH', 'PURGE', 'REPORT',
  'CONNECT', 'M-SEARCH', 'LINK'];
export const method = (common: readonly string[] = METHODS) =>
  fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...common) }, { weight: 1, arbitrary: fc.constantFrom(...ODD_METHODS) });

/** Query strings: `GET /products` paging with forged cursors, and noise anywhere else. */
const forgedKey = fc.tuple(fc.constantFrom('2024-04-08T07:13:28Z', '9999-99-99T99:99:99Z', '0000-00-00T00:00:00Z', '2024-04-08', ''), fc.oneof(fc.uuid(), uuidish));
const cursor = fc.oneof(
  forgedKey.map((pair) => Buffer.from(JSON.stringify(pair)).toString('base64url')),
  fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v) ?? '').toString('base64url')),
  fc.base64String({ maxLength: 60 }),
  text(),
);
const queryPairs = fc.array(
  fc.oneof(
    fc.tuple(fc.constant('per_page'), fc.oneof(numberish.map(String), text(5))),
    fc.tuple(fc.constantFrom('cursor', 'pre_cursor'), cursor),
    fc.tuple(fc.constantFrom('width', 'format', 'v', 'ids', 'fields', 'page', 'limit', 'x[y]', ''), fc.oneof(numberish.map(String), text(10))),
  ),
  { maxLength: 4 },
);
const queryString = (pairs: ReadonlyArray<readonly [string, string]>) =>
  pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
const query: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: queryPairs.map(queryString) },
  { weight: 1, arbitrary: fc.constantFrom('?', '?&&', '?=', '?%zz=1', '?a=%', '?per_page=1&per_page=500', '?per_page[]=1', '?per_page=%00', `?x=${'q'.repeat(4000)}`) },
);

// ---------------------------------------------------------------------------------------------
// Requests

interface Parts {
  method: string;
  prefix: string;
  segments: string[];
  query: string;
  route: Route | null | undefined;
  auth: Credentials;
  extra: Record<string, string>;
  type: TypeHeader;
  body?: Body;
  /** Picks what stops a write aimed at the known product. */
  spoiler: number;
}

/** Puts the generated parts together into one request, with its facts. */
function finish(ctx: FuzzContext, parts: Parts): FuzzRequest {
  const { segments } = parts;
  const productId = segments[0] === 'products' ? segments[1] : undefined;
  let auth = parts.auth;
  // The known product is read-only for every batch: a write aimed at it always carries something that must stop it.
  if (productId?.toLowerCase() === ctx.known.product && WRITES.has(parts.method) && auth.auth === 'good') {
    const spoilers: Credentials[] = [
      { auth: 'none', headers: {} },
      { auth: 'bad', headers: { 'access-token': ctx.tokens.good.slice(1) } },
      { auth: 'readOnly', headers: { 'access-token': ctx.tokens.readOnly } },
      { auth: 'inactive', headers: { 'access-token': ctx.tokens.inactive } },
      { auth: 'otherStore', headers: { 'access-token': ctx.tokens.otherStore } },
      { auth: 'otherHost', headers: { 'access-token': ctx.tokens.good, host: `beta.${BASE_DOMAIN}` } },
    ];
    auth = spoilers[parts.spoiler % spoilers.length]!;
  }
  const headers: Record<string, string> = { ...parts.extra, ...auth.headers };
  if (parts.type.value !== undefined) headers['content-type'] = parts.type.value;
  const path = segments.map((s) => encodeURIComponent(s)).join('/');
  return withSummary({
    method: parts.method,
    url: `${parts.prefix}/${path}${parts.query}`,
    headers,
    ...(parts.body ? { payload: parts.body.payload } : {}),
    route: parts.route,
    auth: auth.auth,
    contentType: parts.type.contentType,
    longParam: segments.some((s) => encodeURIComponent(s).length > PARAM_LIMIT),
    oversize: parts.body?.oversize ?? false,
    ...(productId !== undefined ? { productId } : {}),
    ...(segments[3] !== undefined ? { imageId: segments[3] } : {}),
  });
}

/** The paths a method has, on pool products only. */
const tameSegments = (ctx: FuzzContext, forMethod: string): fc.Arbitrary<string[]> => {
  const at = (...shapes: Array<[number, (t: { product: string; image: string }) => string[]]>) =>
    fc.oneof(...shapes.map(([weight, shape]) => ({ weight, arbitrary: pooled(ctx).map(shape) })));
  const product = (t: { product: string }) => ['products', t.product];
  const image = (t: { product: string; image: string }) => ['products', t.product, 'images', t.image];
  const images = (t: { product: string }) => ['products', t.product, 'images'];
  if (forMethod === 'POST') return at([1, () => ['products']], [3, images]);
  if (forMethod === 'PUT') return at([2, product], [3, image]);
  if (forMethod === 'DELETE') return at([1, product], [6, image]);
  return at([1, () => ['products']], [1, () => ['products', 'count']], [1, product], [1, images], [1, (t) => [...images(t), 'count']], [2, image]);
};

const lyingLength = (payload: string | Buffer, pick: number): string => {
  const length = Buffer.byteLength(payload);
  const lies = [0, length - 1, length + 1, length * 2 + 10, '-1', 'abc', '99999999999999999999'];
  return String(lies[pick % lies.length]);
};

/**
 * The API endpoints, with every method; writes never succeed on the known product. A third of the
 * requests are tame (good token, JSON, pool ids, well-formed JSON: only the fields are hostile) so that
 * enough of them succeed to exercise the success paths.
 */
export function apiRequest(ctx: FuzzContext, options: { methods?: readonly string[]; maxDepth: number }): fc.Arbitrary<FuzzRequest> {
  const good: Credentials = { auth: 'good', headers: { 'access-token': ctx.tokens.good } };
  const json: TypeHeader = { contentType: 'json', value: 'application/json' };
  const none: TypeHeader = { contentType: 'none' };
  return fc
    .record({
      method: method(options.methods),
      version: fc.constantFrom(...API_VERSIONS),
      query,
      auth: authHeaders(ctx),
      extra: extraHeaders,
      type: contentType,
      spoiler: fc.nat(),
      odds: fc.noBias(fc.nat(19)),
      tame: fc.noBias(fc.nat(2)).map((n) => n === 0),
    })
    .chain((r) =>
      (r.tame ? tameSegments(ctx, r.method) : apiSegments(ctx, true, r.method)).chain((segments) => {
        const route = routeOf(r.method, segments);
        const sendsBody = r.method === 'POST' || r.method === 'PUT';
        const withBody = sendsBody ? r.tame || r.odds > 0 : r.odds === 0;
        const tameBody = bodyFields(ctx, route, segments[1]).map((f) => fits(JSON.stringify({ [root(route)]: f })));
        const body = !withBody ? fc.constant(undefined) : r.tame ? tameBody : bodyFor(ctx, route, r.method, segments[1], options.maxDepth);
        return body.map((b) => {
          const prefix = `/openapi/${r.version}`;
          if (r.tame) return finish(ctx, { ...r, auth: good, extra: {}, type: sendsBody ? json : none, segments, prefix, route, ...(b ? { body: b } : {}) });
          // A Content-Type goes with a body, and now and then without one.
          const type = sendsBody || b || r.odds === 1 ? r.type : none;
          // Now and then a Content-Length that lies: the body looks cut short, or runs over.
          const extra = b && !b.oversize && r.odds === 2 ? { ...r.extra, 'content-length': lyingLength(b.payload, r.spoiler) } : r.extra;
          return finish(ctx, { ...r, extra, type, segments, prefix, route, ...(b ? { body: b } : {}) });
        });
      }),
    );
}

/** Writes whose only problem (if any) is the body: deep, around 1 MiB, cut short, duplicated keys, bytes. */
export function edgeBodyRequest(ctx: FuzzContext, maxDepth: number): fc.Arbitrary<FuzzRequest> {
  const target = fc.oneof(
    fc.constant({ method: 'POST', segments: ['products'] as string[] }),
    productRef(ctx, false).map((p) => ({ method: 'PUT', segments: ['products', p] })),
    productRef(ctx, false).map((p) => ({ method: 'POST', segments: ['products', p, 'images'] })),
    productRef(ctx, false).chain((p) => imageRef(ctx, p).map((i) => ({ method: 'PUT', segments: ['products', p, 'images', i] }))),
  );
  return fc
    .record({ target, type: contentType.filter((t) => t.contentType === 'json'), spoiler: fc.nat() })
    .chain(({ target, type, spoiler }) => {
      const route = routeOf(target.method, target.segments);
      const body = fc.oneof<fc.Arbitrary<Body>[]>(
        deepJson(root(route), maxDepth).map(fits),
        sizedJson(root(route)),
        bodyFields(ctx, route, target.segments[1]).chain((f) => encodings(root(route), f)).map(fits),
      );
      const auth: Credentials = { auth: 'good', headers: { 'access-token': ctx.tokens.good } };
      return body.map((b) => finish(ctx, { ...target, prefix: '/openapi/2022-01', query: '', route, auth, extra: {}, type, body: b, spoiler }));
    });
}

/** Paths that reach no route, or that the generator does not try to predict: versions, junk, dot segments, KBs of path. */
export function strayRequest(ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const rawChar = fc.constantFrom(...'abcz09-._~!$&\'()*+,;=:@/%é ', '%2F', '%2e', '%00', '%zz', '%E0%A4%A', '//', '\\');
  const raw = fc.string({ unit: rawChar, maxLength: 60 });
  const knownPrefix = fc.constantFrom(...API_VERSIONS.map((v) => `/openapi/${v}`));
  const unknownPrefix = fc.oneof(
    fc.constantFrom('/openapi/2019-01', '/openapi/2026-07', '/openapi/latest', '/openapi/2022-1', '/openapi/v1', '/openapi', '/api/2022-01', '/admin', '',
      '/OPENAPI/2022-01'),
    text(10).map((t) => `/openapi/${encodeURIComponent(t || 'x')}`),
  );
  const common = { method: method(), query, auth: authHeaders(ctx), extra: extraHeaders, type: contentType };
  const structured = fc
    .record({ ...common, prefix: unknownPrefix, segments: apiSegments(ctx, false), spoiler: fc.nat() })
    .filter((r) => r.prefix !== '/openapi/2022-01' && r.prefix !== '/openapi/2020-07')
    // No body: an unknown route with a body is the known-bug test "unknown routes answer 404 whatever the body".
    .map((r) => finish(ctx, { ...r, route: null }));
  const longPath = fc.integer({ min: 1000, max: 6000 }).map((n) => 'p/'.repeat(n / 2));
  const junk = fc
    .record({ ...common, prefix: fc.oneof(knownPrefix, unknownPrefix, fc.constant('/cdn')), path: fc.oneof(raw, longPath), withBody: fc.boolean() })
    .map((r) => withSummary({
      method: r.method,
      url: `${r.prefix}/${r.path}${r.query}`,
      headers: { ...r.extra, ...r.auth.headers, ...(r.type.value !== undefined ? { 'content-type': r.type.value } : {}) },
      ...(r.withBody && r.method !== 'GET' && r.method !== 'HEAD' ? { payload: '{"image":{}}' } : {}),
      route: undefined,
      auth: r.auth.auth,
      contentType: r.type.contentType,
      longParam: true,
      oversize: false,
    }));
  return fc.oneof(structured, junk.filter((r) => injectable(r.url)));
}

/** app.inject resolves the URL against http://localhost, so `//x` or `/\\x` would name a host, not a path. */
function injectable(url: string): boolean {
  try {
    return new URL(url, 'http://localhost').host === 'localhost';
  } catch {
    return false;
  }
}

/** `/cdn/<name>`: the stored original and its variants, near-miss names, sizes, formats, and conditional/range headers. */
export function cdnRequest(ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const hash = ctx.cdnName.slice(0, 32);
  const size = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...ctx.cdnSizes.map(String), '') },
    fc.constantFrom('', '0', '01', '-16', '1e2', '100', '99999999999999999999', 'abc', '16.0'),
  );
  const nearMiss = [`../${ctx.cdnName}`, `a/${ctx.cdnName}`, `${ctx.cdnName}/`, `${ctx.cdnName}%00`, `${hash}_x.jpg`, `${hash}_16x16_c.jpg`];
  const name = fc.oneof(
    { weight: 3, arbitrary: fc.constant(ctx.cdnName) },
    { weight: 3, arbitrary: fc.tuple(size, size).map(([w, h]) => `${hash}_${w}x${h}.jpg`) },
    { weight: 1, arbitrary: fc.constantFrom('png', 'webp', 'gif', 'avif', 'jp2', 'JPG', 'jpeg', 'svg', '').map((ext) => `${hash}.${ext}`) },
    { weight: 1, arbitrary: fc.constantFrom(hash.toUpperCase(), hash.slice(1), `${hash}0`, 'f'.repeat(32)).map((h) => `${h}.jpg`) },
    { weight: 1, arbitrary: fc.oneof(text(), junkSegment, fc.constantFrom(...nearMiss)) },
  );
  const value = fc.oneof(size, fc.constantFrom('center', 'CENTER', 'webp', 'avif', 'jpeg', 'png', 'auto', 'gif', 'tiff', ''), text(8));
  const cdnQuery = fc
    .array(fc.tuple(fc.constantFrom('width', 'height', 'crop', 'format', 'v'), value), { maxLength: 4 })
    .map(queryString);
  const etag = `"${ctx.cdnName}"`;
  const conditional = fc.record(
    {
      accept: fc.constantFrom('image/avif,image/webp,*/*', 'image/webp;q=0', 'image/avif;q=0.0001', 'image/*', '*/*', 'text/html', '', 'image/avif;q=abc',
        ','.repeat(2000)),
      'if-none-match': fc.constantFrom(etag, `W/${etag}`, '*', `"x", ${etag}`, '"x"', '', 'W/', ' , , '),
      range: fc.oneof(
        fc.tuple(fc.integer({ min: -5, max: 3000 }), fc.integer({ min: -5, max: 3000 })).map(([a, b]) => `bytes=${a}-${b}`),
        fc.constantFrom('bytes=0-0', 'bytes=-1', 'bytes=-0', 'bytes=5-', 'bytes=0-99999999999999999999999', 'bytes=0-1,4-5', 'bytes=0-1,1-2', 'items=0-1',
          'bytes=', 'bytes=a-b', 'bytes=-', `bytes=${'0-0,'.repeat(500)}0-0`),
      ),
      'if-range': fc.constantFrom(etag, `W/${etag}`, 'Wed, 21 Oct 2015 07:28:00 GMT', 'junk'),
    },
    { requiredKeys: [] },
  );
  const cdnMethod = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('GET', 'HEAD') }, { weight: 1, arbitrary: method() });
  return fc
    .record({ method: cdnMethod, name, query: cdnQuery, conditional, extra: extraHeaders })
    .map((r) => withSummary({
      method: r.method,
      url: `/cdn/${r.name.split('/').map(encodeURIComponent).join('/')}${r.query}`,
      headers: { ...r.extra, ...(r.conditional as Record<string, string>) },
      route: r.method === 'GET' || r.method === 'HEAD' ? 'cdn' : null,
      auth: 'none',
      contentType: 'none',
      longParam: false,
      oversize: false,
    }));
}

/** Failure reports print this instead of a megabyte of payload. */
export function withSummary(request: FuzzRequest): FuzzRequest {
  return Object.defineProperty(request, fc.toStringMethod, { enumerable: false, value: () => describeRequest(request) });
}

export function describeRequest(request: FuzzRequest): string {
  const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}... (${s.length} chars)` : s);
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, cut(v, 80)]));
  const payload = request.payload === undefined ? '' : ` payload=${cut(JSON.stringify(request.payload.toString()), 300)}`;
  const facts = `[route=${request.route} auth=${request.auth} ct=${request.contentType}]`;
  return `${request.method} ${cut(request.url, 300)} headers=${JSON.stringify(headers)}${payload} ${facts}`;
}
