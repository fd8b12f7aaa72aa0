import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/server/build-app.js';
import { startApi, type TestApi, V } from '../support/api.js';
import { withClockAhead } from '../support/clock-ahead.js';
import { DIALECTS, freshDatabase } from '../support/databases.js';
import { captureLogs } from '../support/log-capture.js';
import { createShopToken } from '../support/shops.js';

const MISSING = '00000000-0000-4000-8000-000000000000';

describe.each(DIALECTS)('contract errors on %s', (dialect) => {
  let api: TestApi;
  let productId: string;
  let imageId: string;
  beforeAll(async () => {
    api = await startApi(dialect);
    const created = await api.product(1);
    productId = created.id;
    imageId = created.imageIds[0]!;
  });
  afterAll(() => api.close());

  const expectError = (res: { statusCode: number; json(): unknown; headers: Record<string, unknown> }, status: number, body: unknown) => {
    expect({ status: res.statusCode, body: res.json() }).toEqual({ status, body });
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);
  };

  describe('authentication', () => {
    it('401 Unauthorized without a token, on every endpoint', async () => {
      for (const [method, path] of [
        ['GET', `products/${productId}/images`],
        ['GET', `products/${productId}/images/count`],
        ['GET', `products/${productId}/images/${imageId}`],
        ['POST', `products/${productId}/images`],
        ['PUT', `products/${productId}/images/${imageId}`],
        ['DELETE', `products/${productId}/images/${imageId}`],
        ['GET', 'products'],
      ] as const) {
        const res = await api.app.inject({ method, url: `${V}/${path}` });
        expectError(res, 401, { errors: ['Unauthorized'] });
      }
    });

    it('401 Unauthorized for an unknown token, an empty one, and a near miss', async () => {
      for (const token of ['nope', '', api.token.slice(0, -1), `${api.token}x`, api.token.toUpperCase()]) {
        const res = await api.call('GET', `products/${productId}/images`, undefined, { 'access-token': token });
        expectError(res, 401, { errors: ['Unauthorized'] });
      }
    });

    it('does not accept the token in an Authorization header instead', async () => {
      const res = await api.app.inject({ method: 'GET', url: `${V}/products`, headers: { authorization: `Bearer ${api.token}` } });
      expectError(res, 401, { errors: ['Unauthorized'] });
    });

    it('401 store is not active for a deactivated store, and works again once activated', async () => {
      await api.shops.create('sleepy');
      const { token } = await api.shops.createToken('sleepy', ['read_product']);
      await api.shops.setActive('sleepy', false);
      const res = await api.call('GET', 'products', undefined, { 'access-token': token });
      expectError(res, 401, { error: 'store is not active' });
      await api.shops.setActive('sleepy', true);
      expect((await api.call('GET', 'products', undefined, { 'access-token': token })).statusCode).toBe(200);
    });

    it('applies a deactivation made elsewhere (another process) once the auth cache time has passed', async () => {
      await api.shops.create('later');
      const { token } = await api.shops.createToken('later', ['read_product']);
      const as = { 'access-token': token };
      expect((await api.call('GET', 'products', undefined, as)).statusCode).toBe(200);
      await api.shops.setActive('later', false);
      // The test app trusts a checked token for PRODIMG_AUTH_CACHE_MS=200: the clock moves past it.
      expectError(await withClockAhead(api.config.authCacheMs + 1, () => api.call('GET', 'products', undefined, as)), 401, { error: 'store is not active' });
    });

    it('401 store is not active when the Host names another store', async () => {
      const other = await api.call('GET', 'products', undefined, { host: 'beta.myshoplaza.localhost:8080' });
      expectError(other, 401, { error: 'store is not active' });
      const own = await api.call('GET', 'products', undefined, { host: 'alpha.myshoplaza.localhost:8080' });
      expect(own.statusCode).toBe(200);
      const bare = await api.call('GET', 'products', undefined, { host: 'localhost:8080' });
      expect(bare.statusCode).toBe(200);
    });
  });

  describe('scopes', () => {
    it('403 naming write_product for every write with a read-only token; reads pass', async () => {
      const { token } = await api.shops.createToken('alpha', ['read_product']);
      const as = { 'access-token': token };
      const writes = [
        api.call('POST', `products/${productId}/images`, { image: { src: 'https://a.example/x.jpg' } }, as),
        api.call('PUT', `products/${productId}/images/${imageId}`, { image: { alt: 'x' } }, as),
        api.call('DELETE', `products/${productId}/images/${imageId}`, undefined, as),
        api.call('POST', 'products', { product: { title: 'x' } }, as),
        api.call('PUT', `products/${productId}`, { product: { title: 'x' } }, as),
        api.call('DELETE', `products/${productId}`, undefined, as),
      ];
      for (const res of await Promise.all(writes)) {
        expectError(res, 403, { errors: ['Forbidden: this action requires the write_product scope'] });
      }
      expect((await api.call('GET', `products/${productId}/images/${imageId}`, undefined, as)).statusCode).toBe(200);
      expect((await api.call('GET', `products/${productId}/images`, undefined, as)).json().images).toHaveLength(1);
    });

    it('lets a write_product token read too', async () => {
      const { token } = await api.shops.createToken('alpha', ['write_product']);
      const res = await api.call('GET', `products/${productId}/images/count`, undefined, { 'access-token': token });
      expect(res.json()).toEqual({ count: 1 });
    });
  });

  describe('path ids', () => {
    it.each([
      ['GET', 'products/abc/images', ['ProductId must be a valid UUID']],
      ['GET', 'products/abc/images/count', ['ProductId must be a valid UUID']],
      ['GET', `products/abc/images/${MISSING}`, ['ProductId must be a valid UUID']],
      ['GET', `products/${MISSING}/images/42`, ['ImageId must be a valid UUID']],
      ['GET', 'products/1/images/2', ['ProductId must be a valid UUID', 'ImageId must be a valid UUID']],
      ['PUT', 'products/1/images/2', ['ProductId must be a valid UUID', 'ImageId must be a valid UUID']],
      ['DELETE', 'products/1/images/2', ['ProductId must be a valid UUID', 'ImageId must be a valid UUID']],
      ['POST', 'products/not-a-uuid/images', ['ProductId must be a valid UUID']],
      ['GET', 'products/not-a-uuid', ['ProductId must be a valid UUID']],
    ])('%s %s -> 422 %j', async (method, path, errors) => {
      const body = method === 'POST' || method === 'PUT' ? { image: { src: 'https://a.example/x.jpg' } } : undefined;
      expectError(await api.call(method, path, body), 422, { errors });
    });
  });

  describe('not found', () => {
    it('422 Record not found for a missing product or image on reads and updates', async () => {
      const cases = [
        api.call('GET', `products/${MISSING}/images`),
        api.call('GET', `products/${MISSING}/images/count`),
        api.call('GET', `products/${MISSING}/images/${imageId}`),
        api.call('GET', `products/${productId}/images/${MISSING}`),
        api.call('POST', `products/${MISSING}/images`, { image: { src: 'https://a.example/x.jpg' } }),
        api.call('PUT', `products/${MISSING}/images/${imageId}`, { image: { alt: 'x' } }),
        api.call('PUT', `products/${productId}/images/${MISSING}`, { image: { alt: 'x' } }),
        api.call('GET', `products/${MISSING}`),
        api.call('PUT', `products/${MISSING}`, { product: { title: 'x' } }),
        api.call('DELETE', `products/${MISSING}`),
      ];
      for (const res of await Promise.all(cases)) expectError(res, 422, { errors: ['Record not found'] });
    });

    it('422 Record not found for an image asked for under another product of the same store', async () => {
      const other = await api.product(0);
      expectError(await api.call('GET', `products/${other.id}/images/${imageId}`), 422, { errors: ['Record not found'] });
    });

    it('404 Product not found / Image not found on DELETE image', async () => {
      expectError(await api.call('DELETE', `products/${MISSING}/images/${imageId}`), 404, { errors: ['Product not found'] });
      expectError(await api.call('DELETE', `products/${productId}/images/${MISSING}`), 404, { errors: ['Image not found'] });
    });
  });

  describe('bodies', () => {
    it('422 with one message per problem', async () => {
      const res = await api.call('POST', `products/${productId}/images`, {
        image: { src: 'not a url', position: 0, width: -5, height: '0', alt: 'a'.repeat(513) },
      });
      expectError(res, 422, {
        errors: [
          'Src must be a valid URL',
          'Position must be greater than 0',
          'Alt is too long (maximum is 512 characters)',
          'Width must be greater than 0',
          'Height must be greater than 0',
        ],
      });
    });

    it.each([
      [{}, ["Src can't be blank"]],
      [{ src: '' }, ["Src can't be blank"]],
      [{ src: 42 }, ['Src must be a string']],
      [{ src: 'ftp://example.com/a.jpg' }, ['Src must be a valid URL']],
      [{ src: `https://a.example/${'x'.repeat(2048)}` }, ['Src is too long (maximum is 2048 characters)']],
      [{ src: 'https://a.example/x.jpg', position: 'first' }, ['Position must be an integer']],
      [{ src: 'https://a.example/x.jpg', position: 1.5 }, ['Position must be an integer']],
      [{ src: 'https://a.example/x.jpg', width: '12px' }, ['Width must be an integer']],
      [{ src: 'https://a.example/x.jpg', height: 3_000_000_000 }, ['Height must be less than or equal to 2147483647']],
      [{ src: 'https://a.example/x.jpg', alt: ['a'] }, ['Alt must be a string']],
    ])('create image %j -> 422 %j', async (image, errors) => {
      expectError(await api.call('POST', `products/${productId}/images`, { image }), 422, { errors });
    });

    it('422 Position must be greater than 0 on update', async () => {
      const res = await api.call('PUT', `products/${productId}/images/${imageId}`, { image: { position: -1 } });
      expectError(res, 422, { errors: ['Position must be greater than 0'] });
    });

    it.each([
      ['{"image":', 'Bad Request: body is not valid JSON'],
      ['[]', 'Bad Request: body must be a JSON object with an "image" object'],
      ['{"src":"https://a.example/x.jpg"}', 'Bad Request: body must be a JSON object with an "image" object'],
      ['{"image":"https://a.example/x.jpg"}', 'Bad Request: body must be a JSON object with an "image" object'],
      ['{"image":[]}', 'Bad Request: body must be a JSON object with an "image" object'],
      ['null', 'Bad Request: body must be a JSON object with an "image" object'],
      ['', 'Bad Request: body is empty'],
    ])('400 for the body %j', async (payload, message) => {
      const res = await api.app.inject({
        method: 'POST',
        url: `${V}/products/${productId}/images`,
        headers: { 'access-token': api.token, 'content-type': 'application/json' },
        payload,
      });
      expectError(res, 400, { errors: [message] });
    });

    it.each([undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx'])(
      '400 for POST and PUT with Content-Type %s',
      async (type) => {
        for (const [method, path] of [
          ['POST', `products/${productId}/images`],
          ['PUT', `products/${productId}/images/${imageId}`],
        ] as const) {
          const res = await api.app.inject({
            method,
            url: `${V}/${path}`,
            headers: { 'access-token': api.token, ...(type ? { 'content-type': type } : {}) },
            payload: '{"image":{"alt":"x"}}',
          });
          expectError(res, 400, { errors: ['Bad Request: Content-Type must be application/json'] });
        }
      },
    );

    it('accepts application/json with a charset', async () => {
      const res = await api.call('PUT', `products/${productId}/images/${imageId}`, { image: { alt: 'ok' } }, { 'content-type': 'application/json; charset=utf-8' });
      expect(res.statusCode).toBe(200);
    });

    it('413 for a body over 1 MiB', async () => {
      const res = await api.call('POST', `products/${productId}/images`, { image: { src: 'https://a.example/x.jpg', alt: 'x'.repeat(1024 * 1024) } });
      expectError(res, 413, { errors: ['Payload Too Large: the body exceeds 1 MiB'] });
    });

    it('400 for a prototype-poisoning body rather than a crash', async () => {
      const res = await api.call('POST', `products/${productId}/images`, '{"image":{"src":"https://a.example/x.jpg"},"__proto__":{"x":1}}');
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0]).toMatch(/^Bad Request: /);
    });
  });

  describe('routing', () => {
    it.each(['/openapi/2019-01/products', '/openapi/2026-07/products', '/openapi/latest/products', '/nope', `${V}/nothing-here`])(
      '404 Not Found for %s',
      async (url) => {
        const res = await api.app.inject({ method: 'GET', url, headers: { 'access-token': api.token } });
        expectError(res, 404, { errors: ['Not Found'] });
      },
    );

    it('answers an undecodable URL with 400 in the contract shape', async () => {
      for (const url of ['/cdn/%zz', `${V}/products/%E0%A4%A`]) {
        const res = await api.app.inject({ method: 'GET', url, headers: { 'access-token': api.token } });
        expectError(res, 400, { errors: ['Bad Request: the URL is not valid'] });
      }
    });

    it('gives every response its own Request-Id', async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const res = await api.call('GET', i % 2 ? 'products' : '/nope');
        ids.add(String(res.headers['request-id']));
      }
      expect(ids.size).toBe(20);
    });
  });
});

describe('unexpected failures', () => {
  it('500 Internal Server Error without details, with the request id in the log', async () => {
    const { logger, lines } = captureLogs();
    const db = await freshDatabase('sqlite');
    const app = await buildApp({
      config: loadConfig({ PRODIMG_DATA_DIR: db.dataDir, PRODIMG_INGEST: 'off' }),
      database: db.database,
      logger,
      ingestor: {
        ingest: async () => {
          throw new Error('disk on fire at /secret/path');
        },
      },
    });
    try {
      const token = await createShopToken(db.database, 'alpha');
      const headers = { 'access-token': token, 'content-type': 'application/json' };
      const product = await app.inject({ method: 'POST', url: `${V}/products`, headers, payload: '{"product":{"title":"t"}}' });
      const res = await app.inject({
        method: 'POST',
        url: `${V}/products/${product.json().product.id}/images`,
        headers,
        payload: '{"image":{"src":"https://a.example/x.jpg"}}',
      });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ errors: ['Internal Server Error'] });
      expect(res.body).not.toContain('fire');
      const requestId = String(res.headers['request-id']);
      const logged = lines.find((entry) => entry.msg === 'unexpected failure') as { err: { message: string } };
      expect(logged).toMatchObject({ reqId: requestId, level: 50 });
      expect(logged.err.message).toContain('disk on fire');
      expect(JSON.stringify(lines)).not.toContain(token);
    } finally {
      await app.close();
      await db.drop();
    }
  });
});
