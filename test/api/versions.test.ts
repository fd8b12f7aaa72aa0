import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, errorAnswer, type WireErrorCode } from '../../src/contract/error-catalogue.js';
import { API_VERSIONS } from '../../src/contract/versions.js';
import { startApi, type TestApi } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

const MISSING = '00000000-0000-4000-8000-000000000000';
const CLASSIC = ['2020-07', '2022-01'];
const ENVELOPE = ['2025-06', '2026-01'];

/**
 * What each error answers in the newer versions, written out here rather than read from the
 * catalogue: status and code (the words are the 2022-01 ones, joined by "; ").
 */
const ENVELOPE_ERRORS: Record<WireErrorCode, [number, string]> = {
  BadRequest: [400, 'InvalidParameter'],
  Validation: [400, 'InvalidParameter'],
  Unauthorized: [401, 'Unauthorized'],
  StoreInactive: [400, 'StoreNotActive'],
  Forbidden: [403, 'AccessDenied'],
  RecordNotFound: [404, 'NotFound'],
  ProductNotFound: [404, 'NotFound'],
  ImageNotFound: [404, 'NotFound'],
  ShopNotFound: [404, 'NotFound'],
  RouteNotFound: [404, 'NotFound'],
  PayloadTooLarge: [413, 'PayloadTooLarge'],
  RateLimited: [429, 'TooManyRequests'],
  Overloaded: [503, 'ServiceUnavailable'],
  InsufficientStorage: [507, 'InsufficientStorage'],
  StorageUnavailable: [503, 'ServiceUnavailable'],
  ShuttingDown: [503, 'ServiceUnavailable'],
  DatabaseUnavailable: [503, 'ServiceUnavailable'],
  Internal: [500, 'InternalError'],
  HeaderFieldsTooLarge: [431, 'RequestHeaderFieldsTooLarge'],
  RequestTimeout: [408, 'RequestTimeout'],
  ExpectationFailed: [417, 'ExpectationFailed'],
  NotImplemented: [501, 'NotImplemented'],
};

/** The classic statuses, as the 2022-01 contract answers them. */
const CLASSIC_STATUS: Record<WireErrorCode, number> = {
  BadRequest: 400,
  Validation: 422,
  Unauthorized: 401,
  StoreInactive: 401,
  Forbidden: 403,
  RecordNotFound: 422,
  ProductNotFound: 404,
  ImageNotFound: 404,
  ShopNotFound: 404,
  RouteNotFound: 404,
  PayloadTooLarge: 413,
  RateLimited: 429,
  Overloaded: 503,
  InsufficientStorage: 507,
  StorageUnavailable: 503,
  ShuttingDown: 503,
  DatabaseUnavailable: 503,
  Internal: 500,
  HeaderFieldsTooLarge: 431,
  RequestTimeout: 408,
  ExpectationFailed: 417,
  NotImplemented: 501,
};

describe('the error catalogue, for every version and every error', () => {
  const codes = Object.keys(ERROR_CATALOGUE) as WireErrorCode[];
  it('has an expectation here for every code it knows', () => {
    expect(codes.sort()).toEqual((Object.keys(ENVELOPE_ERRORS) as WireErrorCode[]).sort());
  });

  for (const version of API_VERSIONS) {
    it.each(codes)(`${version.name}: %s`, (code) => {
      const messages = code === 'Forbidden' ? ['write_product'] : ['first problem', 'second problem'];
      const answer = errorAnswer(version.errors, code, messages);
      const classic = errorAnswer('classic', code, messages);
      if (CLASSIC.includes(version.name)) {
        expect(answer.status).toBe(CLASSIC_STATUS[code]);
        expect(answer.body).toEqual(code === 'StoreInactive' ? { error: 'store is not active' } : { errors: expect.any(Array) });
      } else {
        const [status, name] = ENVELOPE_ERRORS[code];
        const words = 'errors' in classic.body ? classic.body.errors : [(classic.body as { error: string }).error];
        expect(answer).toEqual({ status, body: { code: name, message: words.join('; ') }, headers: classic.headers });
      }
    });
  }
});

describe.each(DIALECTS)('every version over HTTP on %s', (dialect) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(() => api.close());

  it('answers the same data in every version; only the envelope differs', async () => {
    const product = await api.product(2);
    const [first, second] = product.imageIds as [string, string];
    const reads = [
      `products/${product.id}/images`,
      `products/${product.id}/images/count`,
      `products/${product.id}/images/${first}`,
      `products/${product.id}`,
      'products/count',
    ];
    for (const path of reads) {
      const answers = await Promise.all(API_VERSIONS.map(({ name }) => api.call('GET', `/openapi/${name}/${path}`)));
      const reference = answers[0]!.json();
      answers.forEach((answer, i) => {
        const name = API_VERSIONS[i]!.name;
        expect(answer.statusCode, `${name} ${path}`).toBe(200);
        expect(answer.json(), `${name} ${path}`).toEqual(CLASSIC.includes(name) ? reference : { code: 'Success', data: reference });
      });
    }
    // Writes: each version changes the same image the same way and answers in its own envelope.
    for (const name of ENVELOPE) {
      const put = await api.call('PUT', `/openapi/${name}/products/${product.id}/images/${second}`, { image: { alt: name } });
      expect(put.statusCode).toBe(200);
      expect(put.json()).toMatchObject({ code: 'Success', data: { image: { id: second, alt: name } } });
      expect(Object.keys(put.json())).toEqual(['code', 'data']);
    }
    const created = await api.call('POST', `/openapi/2026-01/products/${product.id}/images`, { image: { src: 'https://img.example.com/n.jpg', position: 1 } });
    expect(created.json()).toMatchObject({ code: 'Success', data: { image: { position: 1, src: 'https://img.example.com/n.jpg' } } });
    const deleted = await api.call('DELETE', `/openapi/2025-06/products/${product.id}/images/${created.json().data.image.id}`);
    expect(deleted.json()).toEqual({ code: 'Success', data: {} });
  });

  it("answers errors in each version's shape and status", async () => {
    const product = await api.product(1);
    await api.shops.create('other-store');
    const { token: readOnly } = await api.shops.createToken('alpha', ['read_product']);
    for (const name of API_VERSIONS.map((version) => version.name)) {
      const classic = CLASSIC.includes(name);
      const base = `/openapi/${name}`;
      const cases: Array<[string, () => ReturnType<TestApi['call']>, number, unknown, number, unknown]> = [
        ['no token', () => api.call('GET', `${base}/products`, undefined, { 'access-token': '' }), 401, { errors: ['Unauthorized'] }, 401, { code: 'Unauthorized', message: 'Unauthorized' }],
        ['another store', () => api.call('GET', `${base}/products`, undefined, { host: 'other-store.myshoplaza.localhost' }), 401, { error: 'store is not active' }, 400, { code: 'StoreNotActive', message: 'store is not active' }],
        ['scope', () => api.call('DELETE', `${base}/products/${product.id}`, undefined, { 'access-token': readOnly }), 403, { errors: ['Forbidden: this action requires the write_product scope'] }, 403, { code: 'AccessDenied', message: 'Forbidden: this action requires the write_product scope' }],
        ['bad ids', () => api.call('GET', `${base}/products/x/images/y`), 422, { errors: ['ProductId must be a valid UUID', 'ImageId must be a valid UUID'] }, 400, { code: 'InvalidParameter', message: 'ProductId must be a valid UUID; ImageId must be a valid UUID' }],
        ['missing record', () => api.call('GET', `${base}/products/${product.id}/images/${MISSING}`), 422, { errors: ['Record not found'] }, 404, { code: 'NotFound', message: 'Record not found' }],
        ['missing image on delete', () => api.call('DELETE', `${base}/products/${product.id}/images/${MISSING}`), 404, { errors: ['Image not found'] }, 404, { code: 'NotFound', message: 'Image not found' }],
        ['bad JSON', () => api.call('POST', `${base}/products`, '{"product":'), 400, { errors: ['Bad Request: body is not valid JSON'] }, 400, { code: 'InvalidParameter', message: 'Bad Request: body is not valid JSON' }],
        ['field problems', () => api.call('POST', `${base}/products/${product.id}/images`, { image: { src: 'nope', width: -1 } }), 422, { errors: ['Src must be a valid URL', 'Width must be greater than 0'] }, 400, { code: 'InvalidParameter', message: 'Src must be a valid URL; Width must be greater than 0' }],
        ['unknown path', () => api.call('GET', `${base}/nothing-here`), 404, { errors: ['Not Found'] }, 404, { code: 'NotFound', message: 'Not Found' }],
      ];
      for (const [what, send, classicStatus, classicBody, envelopeStatus, envelopeBody] of cases) {
        const answer = await send();
        expect({ status: answer.statusCode, body: answer.json() }, `${name}: ${what}`).toEqual(
          classic ? { status: classicStatus, body: classicBody } : { status: envelopeStatus, body: envelopeBody },
        );
      }
    }
  });

  it('serves the unversioned legacy .json paths as the oldest version, and accepts Token-Type: Bearer', async () => {
    const product = await api.product(2);
    const [image] = product.imageIds as [string];
    const oldest = `/openapi/${API_VERSIONS[0]!.name}`;
    for (const [legacy, versioned] of [
      ['/openapi/products.json?per_page=1', `${oldest}/products?per_page=1`],
      ['/openapi/products/count.json', `${oldest}/products/count`],
      [`/openapi/products/${product.id}.json`, `${oldest}/products/${product.id}`],
      [`/openapi/products/${product.id}/images.json`, `${oldest}/products/${product.id}/images`],
      [`/openapi/products/${product.id}/images/count.json`, `${oldest}/products/${product.id}/images/count`],
      [`/openapi/products/${product.id}/images/${image}.json`, `${oldest}/products/${product.id}/images/${image}`],
    ] as const) {
      const headers = { 'token-type': 'Bearer', 'content-type': 'application/json' };
      const [a, b] = await Promise.all([api.call('GET', legacy, undefined, headers), api.call('GET', versioned, undefined, headers)]);
      expect(a.statusCode, legacy).toBe(200);
      expect(a.body, legacy).toBe(b.body);
    }
    const missing = await api.call('GET', `/openapi/products/${product.id}/images/${MISSING}.json`);
    expect({ status: missing.statusCode, body: missing.json() }).toEqual({ status: 422, body: { errors: ['Record not found'] } });
    const updated = await api.call('PUT', `/openapi/products/${product.id}/images/${image}.json`, { image: { alt: 'legacy' } });
    expect(updated.json().image.alt).toBe('legacy');
    const notLegacy = await api.call('GET', '/openapi/shops.json');
    expect(notLegacy.statusCode).toBe(404);
  });
});
