import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../src/contract/operations/index.js';
import { API_VERSIONS } from '../../src/contract/versions.js';
import { openBlobStore } from '../../src/open-blob-store.js';
import { startApi, type TestApi, untilCaching } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

/**
 * Recorded answers: every operation's and every error's response, byte for byte, as a client sees it
 * over real HTTP, in every served version (the contract test of each version: every image, variant,
 * product, access-scope and shop endpoint with every error a request can provoke), compared with
 * test/api/recorded-answers.json. The newer versions are also checked against 2022-01 entry by entry
 * (at the end of this file), so their recordings cannot drift from the envelope table. A change of any status, status text,
 * header name, header order, header value or body byte fails here, naming the request.
 *
 *   run:        npx vitest run test/api/recorded-answers.test.ts
 *   re-record:  PRODIMG_RECORD=1 npx vitest run test/api/recorded-answers.test.ts   (then read the diff)
 *
 * What varies per run is normalised: UUIDs become <uuid-N> numbered by first appearance in the
 * scenario's answers (requests name them the same way, `<UUID-N>` for the upper-case form), except
 * the ids of variants and options, numbered apart as <variant-N> and <option-N> (so the default
 * variant every product has does not renumber the ids the scenario names), cursors
 * are decoded to <cursor:[...]>, the Request-Id value becomes <request-id> (its position is kept), and
 * Date and Keep-Alive keep their names only. Timestamps come from a clock that reads T0 + n seconds at
 * the n-th request, however often the server asks it. Every GET and HEAD is sent three times (repeated
 * image reads are answered before the router, hot-answers.ts): each repeat must match the one recording.
 *
 * Not provoked, as nothing deterministic over HTTP gets there: 503 while draining (a shutdown race),
 * 503 database unreachable (needs a database going away), 500 (needs a failing dependency), 408 (60 s
 * timeout), 400 "Content-Length does not match the body" (Node's parser enforces the length first), and
 * the ingestion messages of failure-message.ts (ingestion is off here, as in every API suite; they are
 * pinned in ingestion.test.ts and failure-message.test.ts).
 */

const FIXTURE = new URL('./recorded-answers.json', import.meta.url);
const RECORD = process.env.PRODIMG_RECORD === '1';
const VERSIONS = API_VERSIONS.map((version) => version.name);
/** The versions that answer in an envelope, checked against 2022-01's recording at the end of this file. */
const ENVELOPED = API_VERSIONS.filter((version) => version.errors === 'envelope').map((version) => version.name);
const T0 = Date.UTC(2024, 3, 8, 7, 0, 0);
const MISSING = '00000000-0000-4000-8000-000000000000';
/** A 1x1 PNG and bytes stored under a .jp2 name: files the CDN serves without decoding them. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const JP2 = Buffer.from('stand-in bytes for a JPEG 2000 file');
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
const png = `/cdn/${md5(PNG)}.png`;
const jp2 = `/cdn/${md5(JP2)}.jp2`;

/** One request: path relative to /openapi/<version>/ unless it starts with '/'. token: null sends none. */
interface Row {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  token?: string | null;
  headers?: Record<string, string>;
}
/** What is recorded for a request. */
type Entry = { name: string; request: string; status: string; headers: string[]; body: string };

/** `row('name', 'GET products', body?, { token, headers })`; a string body is sent as is, anything else as JSON. */
const row = (name: string, request: string, body?: unknown, more: Pick<Row, 'token' | 'headers'> = {}): Row => {
  const [method = '', path = ''] = request.split(' ');
  return { name, method, path, ...(body !== undefined ? { body } : {}), ...more };
};
const type = (contentType: string) => ({ headers: { 'content-type': contentType } });
const img = (image: unknown) => ({ image });
const prod = (product: unknown) => ({ product });
const src = (name: string) => `https://img.example.com/${name}`;

/** The scenario, the same for each version. Ids: 1 shirt (2 front, 3 back), 4 tee (5 its image), 6 cap, 7-11 images added to the shirt, 12-13 to the cap. */
function scenario(): Row[] {
  const shirt = 'products/<uuid-1>';
  const images = `${shirt}/images`;
  const front = `${images}/<uuid-2>`;
  const hoodie = 'products/<uuid-15>';
  const hoodieImage = '<uuid-16>';
  const [v1, v2, v3] = ['<variant-4>', '<variant-5>', '<variant-6>'];
  return [
    // Products and images: every operation's success answer.
    row('create product with images', 'POST products', prod({ title: 'Linen Shirt — Summer', description: '<p>Soft</p>', vendor: 'Acme', tags: 'linen, summer', images: [{ src: src('shirt/front.jpg'), alt: 'Front', width: 800, height: 600, position: 5 }, { src: '//cdn.example.com/back.png?v=2' }] })),
    row('create product, title and one image', 'POST products', prod({ title: 'Plain Tee', images: [{ src: src('tee.jpg'), width: '100', height: '' }] })),
    row('create product, every field', 'POST products', prod({ title: 'Cap', handle: 'the-cap', description: null, vendor: 'Acme', tags: '', published: false, images: [], unknown: 1 })),
    row('get product', `GET ${shirt}`),
    row('count products', 'GET products/count'),
    row('list products', 'GET products'),
    row('list products, 2 per page', 'GET products?per_page=2'),
    row('list products, next page', 'GET products?per_page=2&cursor=$cursor'),
    row('list products, previous page', 'GET products?per_page=2&pre_cursor=$pre_cursor'),
    row('list products, empty parameters', 'GET products?per_page=&cursor=&pre_cursor=&title=x'),
    row('update product without images', 'PUT products/<uuid-4>', prod({ title: 'Plain Tee II', vendor: null, tags: 'basics', published: false })),
    row('update product, publish', 'PUT products/<uuid-6>', prod({ published: true, handle: 'cap-2', images: null })),
    row('update product with images (keep, add, reorder)', `PUT ${shirt}`, prod({ images: [{ id: '<uuid-3>', alt: 'Back' }, { src: src('shirt/side.jpg'), width: '640', height: 480, alt: null }, { id: '<UUID-2>' }] })),
    row('list images', `GET ${images}`),
    row('count images', `GET ${images}/count`),
    row('image details', `GET ${front}`),
    row('create image, appended', `POST ${images}`, img({ src: src('shirt/detail.jpg'), alt: 'Detail', width: '300', height: 300 })),
    row('create image at position 1', `POST ${images}`, img({ src: '//cdn.example.com/tag.webp', position: 1 })),
    row('create image past the end', `POST ${images}`, img({ src: 'http://img.example.com/x.gif', position: '99999999999', alt: null })),
    row('update image: move', `PUT ${images}/<uuid-8>`, img({ position: 2, alt: null })),
    row('update image: new src without sizes', `PUT ${front}`, img({ src: src('shirt/front-v2.jpg?s=1'), unknown: true })),
    row('update image: move past the end', `PUT ${images}/<uuid-9>`, img({ position: 100 })),
    row('update image: empty', `PUT ${images}/<uuid-3>`, img({})),
    row('list images after the moves', `GET ${images}`),
    row('delete image', `DELETE ${images}/<uuid-10>`),
    row('list images after the delete', `GET ${images}`),
    row('count images after the delete', `GET ${images}/count`),
    row('image details, upper-case ids', 'GET products/<UUID-1>/images/<UUID-3>'),
    row('image details, query string', `GET ${images}/<uuid-3>?fields=id`),
    row('list images, query string', `GET ${images}?since_id=1`),
    row('HEAD list images', `HEAD ${images}`),
    row('HEAD image details', `HEAD ${front}`),
    row('HEAD count images', `HEAD ${images}/count`),
    row('HEAD list products', 'HEAD products'),
    row('HEAD product', `HEAD ${shirt}`),
    row('GET with Content-Type, no body', `GET ${images}`, undefined, type('application/json')),
    row('GET with a JSON body (ignored)', `GET ${images}/count`, '{"x":1}'),
    row('GET with a body that is not JSON', `GET ${images}/count`, '{"x":'),
    row('GET with a text body (ignored)', `GET ${images}/count`, 'hello', type('text/plain')),
    row('PUT with a charset in Content-Type', `PUT ${images}/<uuid-3>`, img({ alt: 'Back!' }), type('application/json; charset=utf-8')),
    row('PUT with an upper-case Content-Type', `PUT ${images}/<uuid-3>`, img({ alt: 'Back' }), type('Application/JSON')),
    row('DELETE with Content-Type, no body', `DELETE ${images}/<uuid-7>`, undefined, type('application/json')),
    row("own store's Host", 'GET products/count', undefined, { headers: { host: 'alpha.myshoplaza.localhost:8080' } }),
    row('a Host outside the base domain', 'GET products/count', undefined, { headers: { host: 'localhost:8080' } }),
    row('create image, chunked body', `POST ${images}`, img({ src: src('shirt/chunked.jpg') }), { headers: { 'transfer-encoding': 'chunked' } }),
    row('read-only token reads', `GET ${front}`, undefined, { token: '$read' }),
    row('write-only token reads', `GET ${images}/count`, undefined, { token: '$write' }),
    row('list images of a product without any', 'GET products/<uuid-6>/images'),
    row('count images, none', 'GET products/<uuid-6>/images/count'),
    row('update product: from no images to two', 'PUT products/<uuid-6>', prod({ images: [{ src: src('cap/front.jpg') }, { src: src('cap/back.jpg'), alt: 'Back' }] })),
    row('update product: drop one, change the other', 'PUT products/<uuid-6>', prod({ title: 'Cap', images: [{ id: '<uuid-13>', src: src('cap/back-v2.jpg'), width: 10, height: 10 }] })),
    row('delete product with its image', 'DELETE products/<uuid-6>'),
    row('get deleted product', 'GET products/<uuid-6>'),
    row('list images of a deleted product', 'GET products/<uuid-6>/images'),
    row('list products at the end', 'GET products'),
    // Authentication (401) and scope (403).
    row('no token', 'GET products', undefined, { token: null }),
    row('no token, image details', `GET ${front}`, undefined, { token: null }),
    row('no token, HEAD', `HEAD ${images}`, undefined, { token: null }),
    row('no token, write with a bad body', `POST ${images}`, '{', { token: null }),
    row('unknown token', `GET ${images}`, undefined, { token: 'nope' }),
    row('empty token', 'GET products', undefined, { token: '' }),
    row('token in Authorization instead', 'GET products', undefined, { token: null, headers: { authorization: 'Bearer $token' } }),
    row('inactive store', `GET ${front}`, undefined, { token: '$sleepy' }),
    row('inactive store, write', 'POST products', prod({ title: 'x' }), { token: '$sleepy' }),
    row("another store's Host", 'GET products', undefined, { headers: { host: 'beta.myshoplaza.localhost:8080' } }),
    row("another store's Host, image details", `GET ${front}`, undefined, { headers: { host: 'BETA.myshoplaza.localhost' } }),
    row('read-only: create image', `POST ${images}`, img({ src: src('x.jpg') }), { token: '$read' }),
    row('read-only: update image', `PUT ${front}`, img({ alt: 'x' }), { token: '$read' }),
    row('read-only: delete image', `DELETE ${front}`, undefined, { token: '$read' }),
    row('read-only: create product', 'POST products', prod({ title: 'x' }), { token: '$read' }),
    row('read-only: update product', `PUT ${shirt}`, prod({ title: 'x' }), { token: '$read' }),
    row('read-only: delete product', `DELETE ${shirt}`, undefined, { token: '$read' }),
    row('read-only with a wrong Content-Type', 'POST products', 'x', { token: '$read', ...type('text/plain') }),
    // Routing (404) and URLs.
    row('unknown path', 'GET /nope'),
    row('unknown path in a version', 'GET nothing-here'),
    row('unknown path without a token', 'GET nothing-here', undefined, { token: null }),
    row('unknown path with a bad body', 'POST /nope', '{'),
    row('unknown version', 'GET /openapi/2019-01/products'),
    row('unknown version name', `GET /openapi/latest/${images}`),
    row('no version', 'GET /openapi/products'),
    row('.json suffix', 'GET products.json'),
    row('trailing slash', `GET ${front}/`),
    row('unknown method', `PATCH ${shirt}`, prod({ title: 'x' })),
    row('OPTIONS', 'OPTIONS products'),
    row('HEAD unknown path', 'HEAD nothing-here'),
    row('undecodable URL', 'GET products/%E0%A4%A'),
    row('undecodable URL under /cdn', 'GET /cdn/%zz'),
    // Path ids (422).
    row('bad product id', 'GET products/abc/images'),
    row('bad product id, count', 'GET products/abc/images/count'),
    row('bad image id', `GET ${images}/42`),
    row('both ids bad', 'GET products/1/images/2'),
    row('both ids bad, update', 'PUT products/1/images/2', img({ alt: 'x' })),
    row('both ids bad, delete', 'DELETE products/1/images/2'),
    row('bad product id, create image', 'POST products/not-a-uuid/images', img({ src: src('x.jpg') })),
    row('bad product id, get product', 'GET products/not-a-uuid'),
    row('bad product id, update product', 'PUT products/not-a-uuid', prod({ title: 'x' })),
    row('bad product id, delete product', 'DELETE products/not-a-uuid'),
    row('a 300-character id', `GET products/${'a'.repeat(300)}/images`),
    row('a 5000-character id', `GET products/${'a'.repeat(5000)}`),
    row('bad JSON before bad ids', 'POST products/abc/images', '{'),
    row('bad ids before a bad body shape', 'PUT products/1/images/2', '[]'),
    // Not found (422, and 404 on DELETE image).
    row('missing product: list images', `GET products/${MISSING}/images`),
    row('missing product: count images', `GET products/${MISSING}/images/count`),
    row('missing product: image details', `GET products/${MISSING}/images/<uuid-2>`),
    row('missing image: details', `GET ${images}/${MISSING}`),
    row('image of another product', 'GET products/<uuid-4>/images/<uuid-2>'),
    row('missing product: create image', `POST products/${MISSING}/images`, img({ src: src('x.jpg') })),
    row('missing product: update image', `PUT products/${MISSING}/images/<uuid-2>`, img({ alt: 'x' })),
    row('missing image: update', `PUT ${images}/${MISSING}`, img({ alt: 'x' })),
    row('missing image: update with a src', `PUT ${images}/${MISSING}`, img({ src: src('y.jpg') })),
    row('missing product: get', `GET products/${MISSING}`),
    row('missing product: update', `PUT products/${MISSING}`, prod({ title: 'x' })),
    row('missing product: update with images', `PUT products/${MISSING}`, prod({ images: [] })),
    row('missing product: delete', `DELETE products/${MISSING}`),
    row('missing product: delete image', `DELETE products/${MISSING}/images/<uuid-2>`),
    row('missing image: delete', `DELETE ${images}/${MISSING}`),
    row('image of another product: delete', 'DELETE products/<uuid-4>/images/<uuid-2>'),
    // Image bodies (422 per field, 400 for the shape, the type and the syntax, 413 for the size).
    row('image: one message per problem', `POST ${images}`, img({ src: 'not a url', position: 0, alt: 'a'.repeat(513), width: -5, height: '0' })),
    row('image: no src', `POST ${images}`, img({})),
    row('image: blank src', `POST ${images}`, img({ src: '  ' })),
    row('image: src not a string, numbers not integers', `POST ${images}`, img({ src: 42, position: 'first', width: 1.5, height: 3_000_000_000 })),
    row('image: src not http', `POST ${images}`, img({ src: 'ftp://example.com/a.jpg', width: '12px', height: 2_147_483_648 })),
    row('image: src with a space', `POST ${images}`, img({ src: 'https://a.example/x y.jpg' })),
    row('image: src too long', `POST ${images}`, img({ src: src('x'.repeat(2048)) })),
    row('image: alt not a string', `POST ${images}`, img({ src: src('x.jpg'), alt: ['a'] })),
    row('image: alt with U+0000', `POST ${images}`, img({ src: src('x.jpg'), alt: 'a\u0000b' })),
    row('image: alt with a lone surrogate', `POST ${images}`, img({ src: src('x.jpg'), alt: '\ud800' })),
    row('image update: several problems', `PUT ${front}`, img({ src: 'javascript:alert(1)', position: -1, alt: 7, width: '12px', height: 0 })),
    row('image: body is an array', `POST ${images}`, '[]'),
    row('image: no image object', `POST ${images}`, { src: src('x.jpg') }),
    row('image: image is a string', `PUT ${front}`, img('x')),
    row('image: image is an array', `POST ${images}`, img([])),
    row('image: body is null', `POST ${images}`, 'null'),
    row('image: empty body', `POST ${images}`, ''),
    row('image: invalid JSON', `POST ${images}`, '{"image":'),
    row('image: __proto__ key', `POST ${images}`, '{"image":{"src":"https://a.example/x.jpg"},"__proto__":{"x":1}}'),
    row('image: constructor.prototype key', `POST ${images}`, '{"image":{"src":"https://a.example/x.jpg"},"constructor":{"prototype":{"x":1}}}'),
    row('image: text/plain', `POST ${images}`, img({ src: src('x.jpg') }), type('text/plain')),
    row('image: no Content-Type', `PUT ${front}`, img({ alt: 'x' }), { headers: { 'content-type': '' } }),
    row('image: application/jsonx', `PUT ${front}`, img({ alt: 'x' }), type('application/jsonx')),
    row('image: form data', `POST ${images}`, 'src=x', type('application/x-www-form-urlencoded')),
    row('image: Content-Type with an empty parameter', `PUT ${front}`, img({ alt: 'x' }), type('application/json; charset')),
    row('image: Content-Type with an unknown charset', `PUT ${front}`, img({ alt: 'x' }), type('application/json; charset=latin1')),
    row('DELETE with a body that is not JSON', `DELETE ${images}/${MISSING}`, '{'),
    row('image: body over 1 MiB', `POST ${images}`, img({ src: src('x.jpg'), alt: 'x'.repeat(1024 * 1024) })),
    // Product bodies.
    row('product: no title', 'POST products', prod({})),
    row('product: every field wrong', 'POST products', prod({ title: ' ', handle: 7, description: 'a\u0000', vendor: 'v'.repeat(101), tags: ['x'], published: 'yes', images: 'a.jpg' })),
    row('product: title too long, image list messages', 'POST products', prod({ title: 't'.repeat(256), images: [{ src: src('1.jpg') }, 'b.jpg', { src: 'ftp://x', width: 0 }, { alt: 5 }] })),
    row('product: 251 images', 'POST products', prod({ title: 'x', images: Array.from({ length: 251 }, () => ({ src: src('x.jpg') })) })),
    row('product: product is an array', 'POST products', '{"product":[]}'),
    row('product: empty object', 'POST products', '{}'),
    row('product: invalid JSON', `PUT ${shirt}`, '{"product"'),
    row('product: text/plain', 'POST products', prod({ title: 'x' }), type('text/plain')),
    row('product update: blank title', `PUT ${shirt}`, prod({ title: '' })),
    row('product update: image list messages', `PUT ${shirt}`, prod({ images: [{ id: 'nope' }, { alt: 'no src' }, { id: '<uuid-2>' }, { id: '<UUID-2>', src: 'x' }] })),
    row('product update: image ids of another product', `PUT ${shirt}`, prod({ images: [{ id: '<uuid-2>' }, { id: '<uuid-5>' }, { id: MISSING }] })),
    row('product update: images not an array', `PUT ${shirt}`, prod({ images: {} })),
    // Product list query (422); WzEsMl0 is [1,2] in base64url: JSON, but not a cursor.
    ...['per_page=0', 'per_page=251', 'per_page=abc', 'per_page=-1', 'per_page=1.5', 'per_page=2&per_page=300', 'cursor=garbage', 'cursor=WzEsMl0', 'pre_cursor=garbage', 'cursor=a&pre_cursor=b', 'per_page=abc&cursor=a&pre_cursor=b'].map(
      (query) => row(`list products, bad query ${query}`, `GET products?${query}`),
    ),
    // Options and variants: hoodie <uuid-15> with its image <uuid-16>, variants <variant-4>, <variant-5> and the one made here, <variant-6>.
    row('create product with options and variants', 'POST products', prod({ title: 'Hoodie', options: [{ name: 'Color', values: ['Red', 'Blue'] }, { name: 'Size', values: ['M'] }], variants: [{ option1: 'Red', option2: 'M', price: '19.90', sku: 'H-R-M' }, { option1: 'Blue', option2: 'M', price: 20, compare_at_price: '25', weight: '0.5', weight_unit: 'g', inventory_quantity: 3 }], images: [{ src: src('hoodie.jpg'), width: 10, height: 12 }] })),
    row('list variants', `GET ${hoodie}/variants`),
    row('count variants', `GET ${hoodie}/variants/count`),
    row('variant details', `GET variants/${v1}`),
    row('variant details, upper-case id', `GET variants/${v1.toUpperCase()}`),
    row('create variant', `POST ${hoodie}/variants`, { variant: { option1: 'Blue', option2: 'L', price: '21.00', barcode: '123' } }),
    row('update variant: link an image, change the price', `PUT variants/${v1}`, { variant: { image_id: hoodieImage, price: '18' } }),
    row('product with a linked variant', `GET ${hoodie}`),
    row('update variant: empty', `PUT variants/${v2}`, { variant: {} }),
    row('update variant: image of another product', `PUT variants/${v2}`, { variant: { image_id: '<uuid-2>' } }),
    row('update variant: image id not a UUID', `PUT variants/${v2}`, { variant: { image_id: 'x' } }),
    row('update variant: same options as another', `PUT variants/${v2}`, { variant: { option1: 'Red' } }),
    row('create variant: every field wrong', `POST ${hoodie}/variants`, { variant: { price: 'ten', compare_at_price: -1, weight: -1, weight_unit: 'stone', inventory_quantity: 2 ** 32, option1: 7 } }),
    row('create variant: no price', `POST ${hoodie}/variants`, { variant: { option1: 'Red', option2: 'S' } }),
    row('create variant: option the product lacks', `POST ${hoodie}/variants`, { variant: { option1: 'Red', option2: 'S', option3: 'x', price: 1 } }),
    row('create variant: body is not a variant', `POST ${hoodie}/variants`, '{"variant":[]}'),
    row('create image linked to a variant (extension)', `POST ${hoodie}/images`, img({ src: src('hoodie-back.jpg'), variant_ids: [v2] })),
    row('create image: variant of another product', `POST ${hoodie}/images`, img({ src: src('x.jpg'), variant_ids: ['<variant-1>'] })),
    row('need_variant_image on', `PUT ${hoodie}`, prod({ need_variant_image: true })),
    row('need_variant_image: delete a linked image', `DELETE ${hoodie}/images/${hoodieImage}`),
    row('need_variant_image off', `PUT ${hoodie}`, prod({ need_variant_image: false })),
    row('delete an image a variant shows', `DELETE ${hoodie}/images/${hoodieImage}`),
    row('variant after its image went', `GET variants/${v1}`),
    row('bad variant id', 'GET variants/42'),
    row('bad ids, delete variant', 'DELETE products/1/variants/2'),
    row('missing variant', `GET variants/${MISSING}`),
    row('missing variant: update', `PUT variants/${MISSING}`, { variant: { price: '1' } }),
    row('missing product: list variants', `GET products/${MISSING}/variants`),
    row('variant of another product: delete', `DELETE ${shirt}/variants/${v1}`),
    row('read-only: create variant', `POST ${hoodie}/variants`, { variant: { price: '1' } }, { token: '$read' }),
    row('delete variant', `DELETE ${hoodie}/variants/${v3}`),
    row('count variants after the delete', `GET ${hoodie}/variants/count`),
    row('the last variant of a product without options', 'DELETE products/<uuid-4>/variants/<variant-2>'),
    // Product list filters and fields.
    row('list products, filtered, some fields', 'GET products?title=Hoodie&published_status=published&fields=id,title,variants'),
    row('count products, filtered', 'GET products/count?updated_at_min=2024-04-08T07:00:00Z&published_status=any'),
    row('list products by ids', `GET products?ids=${hoodie.slice('products/'.length)},<uuid-4>&fields=title`),
    row('list products, fields as an array', `GET products?ids=${hoodie.slice('products/'.length)},<uuid-4>&fields[]=title&fields[]=id`),
    ...['created_at_min=yesterday', 'updated_at_max=2024-13-01T00:00:00Z', 'published_status=maybe', 'ids=x,y', 'created_at_min=2024-04-08'].map((query) => row(`list products, bad filter ${query}`, `GET products?${query}`)),
    row('count products, bad filter', 'GET products/count?published_status=maybe&created_at_max=soon'),
    // Access scopes and the shop.
    row('access scopes', 'GET oauth/access_scopes'),
    row('access scopes, read-only token', 'GET oauth/access_scopes', undefined, { token: '$read' }),
    row('access scopes, no token', 'GET oauth/access_scopes', undefined, { token: null }),
    row('shop', 'GET shop'),
    row('shop, some fields', 'GET shop?fields=currency,name,nope'),
    row('shop, fields as an array', 'GET shop?fields[]=currency&fields%5B%5D=name&fields[]=nope'),
    row('shop by its own id', 'GET shop/<uuid-19>'),
    row('shop by its own id, upper case, some fields', 'GET shop/<UUID-19>?fields[0]=name'),
    row("shop by an id that is not the store's", `GET shop/${MISSING}`),
    row('shop by a malformed id', 'GET shop/2019'),
    row('shop by id without read_shop', 'GET shop/<uuid-19>', undefined, { token: '$read' }),
    row('shop without read_shop', 'GET shop', undefined, { token: '$read' }),
    row('shop, inactive store', 'GET shop', undefined, { token: '$sleepy' }),
    // /cdn: stored files and refusals.
    row('cdn: file', `GET ${png}`),
    row('cdn: file with a cache buster', `GET ${png}?v=3`),
    row('cdn: HEAD file', `HEAD ${png}`),
    row('cdn: If-None-Match', `GET ${png}`, undefined, { headers: { 'if-none-match': `"${md5(PNG)}.png"` } }),
    row('cdn: Range', `GET ${png}`, undefined, { headers: { range: 'bytes=0-7' } }),
    row('cdn: Range not satisfiable', `GET ${png}`, undefined, { headers: { range: 'bytes=9999-' } }),
    row('cdn: file no decoder reads', `GET ${jp2}`),
    row('cdn: missing file', `GET /cdn/${md5(PNG)}.jpg`),
    row('cdn: HEAD missing file', `HEAD /cdn/${md5(PNG)}.jpg`),
    row('cdn: not a name we give out', 'GET /cdn/nothing.png'),
    row('cdn: nested path', `GET /cdn/a/${md5(PNG)}.png`),
    row('cdn: variant of a missing file', `GET /cdn/${md5(JP2)}.png?width=100`),
    row('cdn: POST', `POST ${png}`, '{}'),
    ...['width=abc', 'width=101', 'width=100&height=100&crop=left', 'format=bmp', 'width=100&width=200'].map((query) => row(`cdn: bad query ${query}`, `GET ${png}?${query}`)),
    row('cdn: size in the name not a preset', `GET /cdn/${md5(PNG)}_0x100.png`),
    row('cdn: resize an original no decoder reads', `GET ${jp2}?width=100`),
    // Refused by Node's HTTP parser, answered by the app's clientErrorHandler.
    row('headers over 16 KB', 'GET products', undefined, { headers: { 'x-pad': 'p'.repeat(17 * 1024) } }),
    row('malformed Content-Length', `POST ${images}`, undefined, { headers: { 'content-length': 'abc' } }),
  ];
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const ONLY_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Sends rows over node:http (new connection each, keep-alive asked) and turns answers into entries. */
class Recorder {
  private readonly seen: string[] = [];
  private readonly apart: Record<'variant' | 'option', string[]> = { variant: [], option: [] };
  private readonly cursors: Record<string, string> = {};

  constructor(
    private readonly base: string,
    private readonly prefix: string,
    private readonly tokens: Record<string, string>,
  ) {}

  async send(r: Row): Promise<Entry> {
    const fill = (text: string) => this.fill(text);
    const path = fill(r.path.startsWith('/') ? r.path : `${this.prefix}/${r.path}`);
    const body = r.body === undefined ? undefined : Buffer.from(fill(typeof r.body === 'string' ? r.body : JSON.stringify(r.body)));
    const headers: Record<string, string> = {};
    if (r.token !== null) headers['access-token'] = fill(r.token ?? '$token');
    if (body) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(body.length) });
    for (const [name, value] of Object.entries(r.headers ?? {})) headers[name] = fill(value);
    if (headers['content-type'] === '') delete headers['content-type'];
    if (headers['transfer-encoding']) delete headers['content-length'];
    const answer = await exchange(this.base + path, r.method, headers, body);
    // The product list's cursors, at the top level or in the newer versions' `data`.
    const list = /^\{("code":"Success","data":\{)?"cursor"/.test(answer.body.toString()) ? JSON.parse(answer.body.toString()) : {};
    const json = list.data ?? list;
    for (const key of ['cursor', 'pre_cursor']) if (json[key]) this.cursors[key] = json[key];
    const names: string[] = [];
    for (let i = 0; i < answer.raw.length; i += 2) {
      const [name = '', value = ''] = [answer.raw[i], answer.raw[i + 1]];
      const lower = name.toLowerCase();
      if (lower === 'request-id') names.push(`${name}: ${ONLY_UUID.test(value) ? '<request-id>' : value}`);
      else if (lower === 'date' || lower === 'keep-alive') names.push(name);
      else names.push(`${name}: ${this.normalise(value)}`);
    }
    const text = answer.body.toString('utf8');
    const isText = Buffer.from(text).equals(answer.body) && !/[\u0000-\u0008\u000e-\u001f]/.test(text);
    return {
      name: r.name,
      request: `${r.method} ${r.path.length > 120 ? `${r.path.slice(0, 100)}...(${r.path.length} characters)` : r.path}`,
      status: `${answer.status} ${answer.message}`,
      headers: names,
      body: isText ? this.normalise(text) : `base64:${answer.body.toString('base64')}`,
    };
  }

  /** Real values for the placeholders a row names: ids seen so far, the last cursors, the tokens. */
  private fill(text: string): string {
    return text
      .replace(/<(uuid|UUID|variant|VARIANT)-(\d+)>/g, (all, kind: string, n: string) => {
        const id = (kind.toLowerCase() === 'uuid' ? this.seen : this.apart.variant)[Number(n) - 1];
        if (id === undefined) throw new Error(`${all} has not appeared in an answer yet`);
        return kind === kind.toUpperCase() ? id.toUpperCase() : id;
      })
      .replace(/\$(cursor|pre_cursor|token|read|write|sleepy)\b/g, (all, key: string) => {
        const value = this.cursors[key] ?? this.tokens[key];
        if (value === undefined) throw new Error(`${all} is not known yet`);
        return value;
      });
  }

  /** Cursors decoded, then every UUID as <uuid-N>, numbered by first appearance. */
  private normalise(text: string): string {
    return text
      .replace(/\{"id":"([0-9a-f-]{36})","product_id":"[^"]*","(title|position":\d+,"name)"/g, (all, id: string, after: string) => {
        const seen = this.apart[after === 'title' ? 'variant' : 'option'];
        if (!seen.includes(id)) seen.push(id);
        return all.replace(id, `<${after === 'title' ? 'variant' : 'option'}-${seen.indexOf(id) + 1}>`);
      })
      .replace(/"([A-Za-z0-9_-]{20,})"/g, (all, token: string) => {
        const key = decodeCursor(token);
        return key ? `"<cursor:${JSON.stringify([key[0], this.normalise(key[1])])}>"` : all;
      })
      .replace(UUID, (id) => {
        const lower = id.toLowerCase();
        if (!this.seen.includes(lower)) this.seen.push(lower);
        return `<uuid-${this.seen.indexOf(lower) + 1}>`;
      });
  }
}

/** A cursor is base64url of a JSON array of two strings (a timestamp and a UUID). */
function decodeCursor(token: string): [string, string] | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    return Array.isArray(value) && value.length === 2 && value.every((part) => typeof part === 'string') ? (value as [string, string]) : null;
  } catch {
    return null;
  }
}

/** One request on a new connection; `raw` holds header names and values as sent, in wire order. */
type Answer = { status: number; message: string; raw: string[]; body: Buffer };
function exchange(url: string, method: string, headers: Record<string, string>, body: Buffer | undefined): Promise<Answer> {
  const agent = new Agent({ keepAlive: true });
  return new Promise<Answer>((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, message: res.statusMessage ?? '', raw: res.rawHeaders, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  }).finally(() => agent.destroy());
}

const fixture: Record<string, Entry[]> = !RECORD && existsSync(FIXTURE) ? JSON.parse(readFileSync(FIXTURE, 'utf8')) : {};

describe.each(DIALECTS)('recorded answers on %s', (dialect) => {
  describe.each(VERSIONS)('API %s', (version) => {
    let api: TestApi;
    let now = T0;
    let tokens: Record<string, string>;
    beforeAll(async () => {
      const clock = () => new Date(now).toISOString().slice(0, 19) + 'Z';
      // Short feed timing: on PostgreSQL the read cache (and so the answers before the router) goes on within 0.2 s.
      api = await startApi(dialect, { clock, feedTiming: { heartbeatMs: 50, quietMs: 150 } });
      await api.shops.create('sleepy', { name: 'Sleepy' });
      tokens = {
        token: api.token,
        read: (await api.shops.createToken('alpha', ['read_product'])).token,
        write: (await api.shops.createToken('alpha', ['write_product'])).token,
        sleepy: (await api.shops.createToken('sleepy', ['read_product', 'write_product'])).token,
      };
      await api.shops.setActive('sleepy', false);
      const blobs = openBlobStore(api.config, api.db.database);
      await blobs.put(`${md5(PNG)}.png`, PNG);
      await blobs.put(`${md5(JP2)}.jp2`, JP2);
      // Until repeated reads are answered before the router; the product used for that goes again.
      const warm = await api.product(1);
      await untilCaching(api, `products/${warm.id}/images/${warm.imageIds[0]}`);
      expect((await api.call('DELETE', `products/${warm.id}`)).statusCode).toBe(200);
    });
    afterAll(() => api?.close());

    it('answers every request byte for byte as recorded', async () => {
      const recorder = new Recorder(api.base, `/openapi/${version}`, tokens);
      const entries: Entry[] = [];
      const hotBefore = api.app.fastRead!.answered;
      for (const [i, r] of scenario().entries()) {
        now = T0 + (i + 1) * 1000;
        const entry = await recorder.send(r);
        entries.push(entry);
        if (r.method !== 'GET' && r.method !== 'HEAD') continue;
        for (const time of [2, 3]) expect.soft(await recorder.send(r), `${version} #${i + 1} ${r.name}: ${entry.request}, sent a ${time}. time`).toEqual(entry);
      }
      expect(api.app.fastRead!.answered - hotBefore, 'repeated image reads were answered before the router').toBeGreaterThan(0);

      const expected = fixture[version];
      if (expected === undefined) {
        if (!RECORD) throw new Error(`${FIXTURE.pathname} has no recording for ${version}: record with PRODIMG_RECORD=1 (see the top of this file)`);
        // Recording: the first dialect writes, any later one is compared with it below.
        fixture[version] = entries;
        writeFileSync(FIXTURE, `${JSON.stringify(fixture, null, 2)}\n`);
        return;
      }
      for (const [i, entry] of entries.entries()) {
        expect.soft(entry, `${version} #${i + 1} ${entry.name}: ${entry.request}`).toEqual(expected[i]);
      }
      expect(entries.map((entry) => entry.request), 'the same requests, in the same order').toEqual(expected.map((entry) => entry.request));
    }, 180_000); // about 600 requests: room for a shared two-core machine
  });
});

/**
 * The newer versions against 2022-01, entry by entry (the recordings are checked against real answers
 * above): the same data wrapped as `{"code":"Success","data":...}`, errors as `{"code","message"}` with
 * the status and code of the table in docs/contract.md, written out here, and everything else alike.
 * Requests that name no version (`/cdn`, unknown paths, legacy paths) and answers made before the
 * version is known are the same bytes in every version.
 */
describe.skipIf(RECORD)('the newer versions answer what 2022-01 answers, in their envelope', () => {
  const envelopeError = (status: number, body: { errors?: string[]; error?: string }): [number, string] => {
    if (status === 401) return body.error !== undefined ? [400, 'StoreNotActive'] : [401, 'Unauthorized'];
    if (status === 422) return body.errors?.join() === 'Record not found' ? [404, 'NotFound'] : [400, 'InvalidParameter'];
    const table: Record<number, [number, string]> = {
      400: [400, 'InvalidParameter'], 403: [403, 'AccessDenied'], 404: [404, 'NotFound'], 413: [413, 'PayloadTooLarge'],
      503: [503, 'ServiceUnavailable'], 507: [507, 'InsufficientStorage'],
    };
    if (!table[status]) throw new Error(`no envelope status for ${status}`);
    return table[status];
  };
  /** The 2022-01 body as `data`: itself, or the value under the `envelopeRoot` of the operation the request names (the shop's fields). */
  const envelopeData = (request: string, body: string) => {
    const [method, target] = request.split(' ') as [string, string];
    const path = `/${target.split('?')[0]}`;
    const root = OPERATIONS.find((op) => op.method === method && new RegExp(`^${op.path.replace(/:\w+/g, '[^/]+')}$`).test(path))?.envelopeRoot;
    return root === undefined ? body : JSON.stringify(JSON.parse(body)[root]);
  };
  const withoutLength = (headers: string[]) => headers.filter((header) => !header.toLowerCase().startsWith('content-length:'));
  const STATUS_TEXT: Record<number, string> = { 200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 413: 'Payload Too Large', 503: 'Service Unavailable', 507: 'Insufficient Storage' };

  it.each(ENVELOPED)('%s', (version) => {
    const classic = fixture['2022-01']!;
    const newer = fixture[version]!;
    expect(newer.map((entry) => entry.request)).toEqual(classic.map((entry) => entry.request));
    let wrapped = 0;
    for (const [i, before] of classic.entries()) {
      const entry = newer[i]!;
      const where = `${version} #${i + 1} ${entry.name}: ${entry.request}`;
      const status = Number(before.status.split(' ')[0]);
      const unversioned = entry.request.split(' ')[1]!.startsWith('/') || status === 431 || (status === 400 && /the request is malformed/.test(before.body));
      if (unversioned) {
        expect.soft(entry, where).toEqual(before);
        continue;
      }
      wrapped++;
      const head = entry.request.startsWith('HEAD ');
      let expected: { status: string; body: string };
      if (status >= 200 && status < 300) expected = { status: before.status, body: head ? '' : `{"code":"Success","data":${envelopeData(entry.request, before.body)}}` };
      else {
        const [code, name] = envelopeError(status, head ? {} : JSON.parse(before.body));
        const classicBody = head ? {} : (JSON.parse(before.body) as { errors?: string[]; error?: string });
        const message = (classicBody.errors ?? [classicBody.error]).join('; ');
        expected = { status: `${code} ${STATUS_TEXT[code]}`, body: head ? '' : JSON.stringify({ code: name, message }) };
      }
      expect.soft({ status: entry.status, body: entry.body }, where).toEqual(expected);
      expect.soft(withoutLength(entry.headers), where).toEqual(withoutLength(before.headers));
      // Ids in bodies are normalised (<uuid-N>), so lengths are compared as differences.
      const length = (e: Entry) => Number(e.headers.find((header) => header.startsWith('content-length: '))?.slice(16));
      if (!head) expect.soft(length(entry) - length(before), where).toBe(Buffer.byteLength(entry.body) - Buffer.byteLength(before.body));
    }
    expect(wrapped).toBeGreaterThan(200);
  });
});
