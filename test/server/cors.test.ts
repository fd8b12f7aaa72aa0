import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { type CorsPolicy, corsAllows } from '../../src/server/cors.js';
import { startApi, type TestApi } from '../support/api.js';

const own: CorsPolicy = { origins: undefined, baseDomain: 'myshoplaza.localhost', publicUrl: undefined };

describe('corsAllows', () => {
  it.each([
    // [policy, origin, Host, allowed]
    [own, 'http://127.0.0.1:8080', '127.0.0.1:8080', true],
    [own, 'http://localhost:8080', 'store123.myshoplaza.localhost:8080', true],
    [own, 'http://store123.myshoplaza.localhost:8080', '127.0.0.1:8080', true],
    [own, 'http://myshoplaza.localhost:8080', '127.0.0.1:8080', true],
    [own, 'http://127.0.0.1:9999', '127.0.0.1:8080', false],
    [own, 'http://evil.example.com:8080', '127.0.0.1:8080', false],
    [own, 'http://myshoplaza.localhost.evil.com:8080', '127.0.0.1:8080', false],
    [own, 'http://127.0.0.1', '127.0.0.1', true],
    [own, 'null', '127.0.0.1:8080', false],
    [own, 'file://', '127.0.0.1:8080', false],
    [{ ...own, publicUrl: '//prodimg.example.com' }, 'https://prodimg.example.com', 'prodimg.example.com', true],
    [{ ...own, origins: ['https://app.example.com'] }, 'https://app.example.com', '127.0.0.1:8080', true],
    [{ ...own, origins: ['https://app.example.com'] }, 'http://127.0.0.1:8080', '127.0.0.1:8080', false],
    [{ ...own, origins: '*' as const }, 'https://anything.example', '127.0.0.1:8080', true],
  ])('%j: %s to %s -> %s', (policy, origin, host, allowed) => {
    expect(corsAllows(policy, origin, host)).toBe(allowed);
  });
});

// No database work: SQLite alone.
describe('CORS over HTTP', () => {
  let api: TestApi;
  let origin: string;
  beforeAll(async () => {
    api = await startApi('sqlite');
    origin = `http://store123.myshoplaza.localhost:${new URL(api.base).port}`;
  });
  afterAll(() => api.close());

  it('answers a preflight from one of its own origins without a token', async () => {
    const res = await api.call('OPTIONS', '/openapi/2022-01/products', undefined, {
      'access-token': '',
      origin,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'access-token,content-type',
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET, POST, PUT, DELETE',
      'access-control-allow-headers': 'Access-Token, Content-Type',
      vary: 'Origin',
    });
  });

  it('lets an allowed page read answers and their Request-Id, also repeated reads', async () => {
    const { id, imageIds } = await api.product(1);
    for (let i = 0; i < 3; i++) {
      const res = await api.call('GET', `products/${id}/images/${imageIds[0]}`, undefined, { origin: api.base });
      expect(res.statusCode).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe(api.base);
      expect(res.headers['access-control-expose-headers']).toContain('Request-Id');
    }
    const refused = await api.call('GET', `products/${id}`, undefined, { 'access-token': 'wrong', origin: api.base });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe(api.base);
  });

  it('gives another origin no CORS headers, and keeps a plain OPTIONS a 404', async () => {
    const preflight = await api.call('OPTIONS', '/openapi/2022-01/products', undefined, { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const plain = await api.call('OPTIONS', '/openapi/2022-01/products');
    expect(plain.statusCode).toBe(404);
    // Regression (fuzz-requests.test.ts): an OPTIONS route read the body first, `{` answered 400.
    const withBody = await api.call('OPTIONS', '/openapi/2022-01/products', '{', { 'content-type': 'application/json' });
    expect(withBody.statusCode).toBe(404);
    const preflightWithBody = await api.call('OPTIONS', '/openapi/2022-01/products', '{', { origin, 'access-control-request-method': 'POST', 'content-type': 'application/json' });
    expect(preflightWithBody.statusCode).toBe(204);
  });
});

describe('PRODIMG_CORS_ORIGINS', () => {
  it.each([
    [undefined, undefined],
    ['*', '*'],
    ['https://app.example.com', ['https://app.example.com']],
    ['https://App.Example.com, http://localhost:3000', ['https://app.example.com', 'http://localhost:3000']],
  ])('%s is read as %j', (raw, origins) => {
    expect(loadConfig(raw === undefined ? {} : { PRODIMG_CORS_ORIGINS: raw }).corsOrigins).toEqual(origins);
  });

  it.each(['app.example.com', 'https://app.example.com/path', 'ftp://x.example', 'https://x.example:443'])('refuses %s', (raw) => {
    expect(() => loadConfig({ PRODIMG_CORS_ORIGINS: raw })).toThrow(ConfigError);
  });
});
