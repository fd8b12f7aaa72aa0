import { expect } from 'vitest';
import { describeRequest, type FuzzRequest, type Route } from './fuzz-arbitraries.js';

/**
 * What a right answer looks like (docs/contract.md), for any request the fuzz suites send. Shared by
 * the app.inject suite and the real-socket one, which both turn a response into an Answer.
 */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: Buffer;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ANY_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const JSON_TYPE = 'application/json; charset=utf-8';
const IMAGE_KEYS = ['id', 'product_id', 'position', 'src', 'path', 'width', 'height', 'alt', 'created_at', 'updated_at'];
const PRODUCT_KEYS = [
  ...['id', 'title', 'brief', 'handle', 'description', 'vendor', 'vendor_url', 'tags', 'published', 'requires_shipping', 'taxable', 'published_at', 'created_at', 'updated_at'],
  ...['note', 'seo_title', 'seo_description', 'seo_keywords', 'inventory_tracking', 'inventory_policy', 'spu', 'fake_sales', 'display_fake_sales'],
  ...['has_only_default_variant', 'inventory_quantity', 'need_variant_image', 'image', 'images', 'options', 'variants'],
];
const API_STATUSES = [200, 400, 401, 403, 404, 413, 422];
const CDN_STATUSES = [200, 206, 304, 400, 404, 416];

/** Every message the contract can send, by status (401 is checked whole: its two bodies differ in shape). */
const CATALOGUE: Record<number, RegExp> = {
  400: new RegExp(
    '^Bad Request: (' +
      [
        'Content-Type must be application/json',
        'body is not valid JSON',
        'body is empty',
        'body must not contain a "__proto__" key, or a "constructor" key with a "prototype"',
        'the Host header is not valid \\(expected a host name and an optional numeric port\\)',
        'the request has more than one Host header',
        'body must be a JSON object with (an "image"|a "product"|a "variant") object',
        'Content-Length does not match the body',
        'the URL is not valid',
        // The CDN's size and option messages: "expected one of 16, 32 for width, got 100".
        'expected .+',
      ].join('|') +
      ')$',
    's',
  ),
  403: /^Forbidden: this action requires the write_product scope$/,
  404: /^(Not Found|Product not found|Image not found)$/,
  413: /^Payload Too Large: the body exceeds 1 MiB$/,
  422: new RegExp(
    '^(' +
      [
        'Record not found',
        '(Product|Image)Id must be a valid UUID',
        '(Image \\d+: )?(Title|Handle|Description|Vendor|Tags|Src|Alt) (can\'t be blank|must be a string|contains an invalid character|is too long \\(maximum is \\d+ characters\\))',
        '(Image \\d+: )?Src must be a valid URL',
        '(Image \\d+: )?(Position|Width|Height) must be (an integer|greater than 0|less than or equal to 2147483647)',
        'Published must be true or false',
        'Images must be an array',
        'Images is too long \\(maximum is 250 images\\)',
        'Images has too many sources for one request \\(maximum is 50 images with a src; send the rest in another request\\)',
        'Image \\d+: (must be an object|Id must be a valid UUID)',
        'Image [0-9a-f-]{36} (does not belong to this product|is listed more than once)',
        'Per page must be (an integer|greater than or equal to 1|less than or equal to 250)',
        '(Cursor|Pre cursor) is invalid',
        'Cursor and pre cursor cannot be used together',
        'Ids must be a comma-separated list of valid UUIDs',
        'Ids is too long \\(maximum is 250 ids\\)',
        '(Created|Updated) at (min|max) must be an ISO 8601 time like 2018-10-01T16:15:47-04:00',
        'Published status must be one of published, unpublished, any',
      ].join('|') +
      ')$',
  ),
};

export const UNAUTHORIZED = { errors: ['Unauthorized'] };
export const STORE_INACTIVE = { error: 'store is not active' };
export const NOT_FOUND = { errors: ['Not Found'] };

/**
 * The answer the contract fixes for this request, where the generator knows enough to say: routing,
 * then credentials, then scope, Content-Type and size, in the contract's order of checks. Null when
 * the outcome depends on data (existence, field values) and only the shape can be checked.
 */
export function predict(request: FuzzRequest): { status: number; body?: unknown } | null {
  // Left out: a path parameter over the router's limit (its 400 comes before routing), and a body on an
  // unknown route (read before the 404: the open bug test "unknown routes answer 404 whatever the body").
  if (request.longParam || request.route === undefined || request.route === 'cdn') return null;
  if (request.route === null) {
    const bodyless = request.method === 'GET' || request.method === 'HEAD' || request.method === 'TRACE';
    return bodyless || (request.payload === undefined && request.contentType === 'none') ? { status: 404, body: NOT_FOUND } : null;
  }
  if (request.auth === 'none' || request.auth === 'bad') return { status: 401, body: UNAUTHORIZED };
  if (request.auth === 'inactive' || request.auth === 'otherHost') return { status: 401, body: STORE_INACTIVE };
  const write = request.method === 'POST' || request.method === 'PUT' || request.method === 'DELETE';
  if (write && request.auth === 'readOnly') return { status: 403, body: { errors: ['Forbidden: this action requires the write_product scope'] } };
  if (request.method === 'POST' || request.method === 'PUT') {
    if (request.contentType === 'notJson' || request.contentType === 'none') {
      return { status: 400, body: { errors: ['Bad Request: Content-Type must be application/json'] } };
    }
    if (request.contentType === 'json' && request.oversize) return { status: 413, body: { errors: ['Payload Too Large: the body exceeds 1 MiB'] } };
  }
  return null;
}

/** Every property an answer must have, whatever was asked. Returns the parsed JSON body when there is one. */
export function expectContractAnswer(request: FuzzRequest, answer: Answer): unknown {
  const what = `${describeRequest(request)}\n  -> ${answer.status} ${answer.body.toString('utf8', 0, 300)}`;
  expect(answer.status, `server error for ${what}`).toBeLessThan(500);
  expect(String(answer.headers['request-id']), `Request-Id for ${what}`).toMatch(UUID);
  // Resolved as the server sees it: `/cdn/../x.jpg` is `/x.jpg`, no CDN path.
  const isCdn = new URL(`http://localhost${request.url}`).pathname.startsWith('/cdn/') && (request.method === 'GET' || request.method === 'HEAD');
  expect(isCdn ? CDN_STATUSES : API_STATUSES, `status for ${what}`).toContain(answer.status);

  const expected = predict(request);
  if (expected) expect(answer.status, `predicted status for ${what}`).toBe(expected.status);

  if (request.method === 'HEAD' || answer.status === 304 || answer.status === 416) {
    expect(answer.body.length, `empty body for ${what}`).toBe(0);
    if (answer.status === 416) expect(answer.headers['content-range'], what).toMatch(/^bytes \*\/\d+$/);
    return undefined;
  }
  if (isCdn && answer.status < 300) {
    expectImageBytes(answer, what);
    return undefined;
  }

  expect(answer.headers['content-type'], `content type for ${what}`).toBe(JSON_TYPE);
  let body: unknown;
  expect(() => (body = JSON.parse(answer.body.toString('utf8'))), `JSON body for ${what}`).not.toThrow();
  if (expected?.body !== undefined) expect(body, `predicted body for ${what}`).toEqual(expected.body);
  if (answer.status >= 400) {
    expectErrorBody(answer.status, body, what);
    // The CDN's own errors must not be cached (a 404 becomes a 200 once the file is uploaded); a URL
    // that cannot be decoded is refused before any route, and a 400 is not cacheable anyway.
    if (isCdn && !isUndecodable(body)) expect(answer.headers['cache-control'], `no-store for ${what}`).toBe('no-store');
  } else {
    expectEnvelope(request.route, request.method, body, what);
  }
  return body;
}

const isUndecodable = (body: unknown) => JSON.stringify(body) === '{"errors":["Bad Request: the URL is not valid"]}';

function expectErrorBody(status: number, body: unknown, what: string): void {
  if (status === 401) {
    expect([UNAUTHORIZED, STORE_INACTIVE], `401 body for ${what}`).toContainEqual(body);
    return;
  }
  expect(body, `error shape for ${what}`).toEqual({ errors: expect.any(Array) });
  const { errors } = body as { errors: unknown[] };
  expect(errors.length, what).toBeGreaterThan(0);
  for (const message of errors) expect(message, `message in the catalogue for ${what}`).toMatch(CATALOGUE[status]!);
  // One message per problem, never the same one twice.
  expect(new Set(errors).size, `repeated message for ${what}`).toBe(errors.length);
}

/** The success envelope of the route; for raw paths (route unknown) whichever envelope the keys say. */
function expectEnvelope(route: Route | null | undefined, method: string, body: unknown, what: string): void {
  const keys = Object.keys(body as object).join(',');
  const byRoute: Partial<Record<Route, string>> = {
    images: method === 'POST' ? 'image' : 'images',
    imagesCount: 'count',
    image: method === 'DELETE' ? '' : 'image',
    products: method === 'POST' ? 'product' : 'cursor,pre_cursor,products',
    productsCount: 'count',
    product: method === 'DELETE' ? '' : 'product',
  };
  if (route) expect(keys, `envelope for ${what}`).toBe(byRoute[route]);
  const value = body as Record<string, unknown>;
  switch (keys) {
    case '':
      return;
    case 'count':
      expect(Number.isInteger(value.count) && (value.count as number) >= 0, what).toBe(true);
      return;
    case 'image':
      expectImage(value.image, what);
      return;
    case 'images':
      expectGallery(value.images, what);
      return;
    case 'product':
      expectProduct(value.product, what);
      return;
    case 'cursor,pre_cursor,products':
      expect(typeof value.cursor === 'string' && typeof value.pre_cursor === 'string', what).toBe(true);
      for (const product of value.products as unknown[]) expectProduct(product, what);
      return;
    default:
      expect.fail(`unknown success envelope {${keys}} for ${what}`);
  }
}

export function expectImage(image: unknown, what: string): void {
  const value = image as Record<string, unknown>;
  expect(Object.keys(value), `image fields for ${what}`).toEqual(IMAGE_KEYS);
  expect(value.id, what).toMatch(UUID);
  expect(value.product_id, what).toMatch(UUID);
  for (const key of ['position', 'width', 'height']) expect(Number.isInteger(value[key]), `${key} for ${what}`).toBe(true);
  expect(value.position as number, what).toBeGreaterThanOrEqual(1);
  for (const key of ['src', 'path', 'alt']) expect(typeof value[key], `${key} for ${what}`).toBe('string');
  expect(value.created_at, what).toMatch(TIMESTAMP);
  expect(value.updated_at, what).toMatch(TIMESTAMP);
}

/** Positions exactly 1..n in list order, one product. */
export function expectGallery(images: unknown, what: string): void {
  const list = images as Array<Record<string, unknown>>;
  list.forEach((image) => expectImage(image, what));
  expect(list.map((image) => image.position), `positions for ${what}`).toEqual(list.map((_, i) => i + 1));
  expect(new Set(list.map((image) => image.product_id)).size, what).toBeLessThanOrEqual(1);
}

function expectProduct(product: unknown, what: string): void {
  const value = product as Record<string, unknown>;
  expect(Object.keys(value), `product fields for ${what}`).toEqual(PRODUCT_KEYS);
  expect(value.id, what).toMatch(ANY_UUID);
  expect(typeof value.published, what).toBe('boolean');
  expectGallery(value.images, what);
  const [first] = value.images as Array<Record<string, unknown>>;
  const main = first ? { src: first.src, width: first.width, height: first.height, alt: first.alt, path: first.path } : null;
  expect(value.image, `main image for ${what}`).toEqual(main);
}

/** A CDN file: its type's magic bytes, and lengths that agree with Content-Length and Content-Range. */
function expectImageBytes(answer: Answer, what: string): void {
  const type = String(answer.headers['content-type']);
  const magic: Record<string, (b: Buffer) => boolean> = {
    'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8,
    'image/png': (b) => b.subarray(1, 4).toString('latin1') === 'PNG',
    'image/webp': (b) => b.subarray(8, 12).toString('latin1') === 'WEBP',
    'image/avif': (b) => b.subarray(4, 8).toString('latin1') === 'ftyp',
    'image/gif': (b) => b.subarray(0, 4).toString('latin1') === 'GIF8',
  };
  expect(Object.keys(magic), `image type for ${what}`).toContain(type);
  expect(Number(answer.headers['content-length']), `Content-Length for ${what}`).toBe(answer.body.length);
  expect(answer.headers.etag, what).toMatch(/^"[0-9a-f]{32}[^"]*"$/);
  if (answer.status === 200) {
    expect(magic[type]!(answer.body), `magic bytes for ${what}`).toBe(true);
    return;
  }
  const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(answer.headers['content-range']));
  expect(range, `Content-Range for ${what}`).not.toBeNull();
  const [, start, end, size] = range!.map(Number);
  expect(end! - start! + 1, what).toBe(answer.body.length);
  expect(end!, what).toBeLessThan(size!);
}
