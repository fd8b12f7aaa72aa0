import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

/** Small buckets so a test fills them in a few requests: 4 per app and store leaking 1 a second, 6 per store leaking 2. */
const LIMITS = 'app:4/1,store:6/2';

describe.each(DIALECTS)('rate limits in one server on %s', (dialect) => {
  let api: TestApi;
  let image: string;
  beforeAll(async () => {
    api = await startApi(dialect, { env: { PRODIMG_RATE_LIMIT: LIMITS } });
    const product = await api.product(1);
    image = `products/${product.id}/images/${product.imageIds[0]}`;
  });
  afterAll(() => api.close());

  const limitedToken = async () => (await api.shops.createToken('alpha', ['read_product', 'write_product'], { rateLimited: true })).token;

  it('answers 429 with Retry-After, in each version\'s shape, once the app bucket is full; every answer carries the levels', async () => {
    const token = await limitedToken();
    const levels: string[] = [];
    // The same image read again and again: repeated reads are answered before the router for other tokens, never for a limited one.
    for (let i = 0; i < 4; i++) {
      const res = await api.call('GET', image, undefined, { 'access-token': token });
      expect(res.statusCode).toBe(200);
      levels.push(String(res.headers['x-shoplazza-api-call-limit']));
    }
    expect(levels.map((level) => level.split('/')[1])).toEqual(['4', '4', '4', '4']);
    // Time leaks drops between requests, so a level may be one lower than its count.
    expect(Number(levels[3]!.split('/')[0])).toBeGreaterThanOrEqual(3);
    const refused = await api.call('GET', image, undefined, { 'access-token': token });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['x-shoplazza-api-call-limit']).toMatch(/^[34]\/4$/);
    expect(refused.json()).toEqual({
      errors: ["Too Many Requests: the app's bucket for this store is full (4 requests, leaking 1 per second); retry after 1 s"],
    });
    const enveloped = await api.call('GET', `/openapi/2026-01/${image}`, undefined, { 'access-token': token });
    expect({ status: enveloped.statusCode, body: enveloped.json() }).toEqual({
      status: 429,
      body: { code: 'TooManyRequests', message: "Too Many Requests: the app's bucket for this store is full (4 requests, leaking 1 per second); retry after 1 s" },
    });
    // After the time it named, the client is let in again.
    await sleep(Number(refused.headers['retry-after']) * 1000);
    expect((await api.call('GET', image, undefined, { 'access-token': token })).statusCode).toBe(200);
  });

  it('counts refused requests of a limited token too (a missing scope), and tells the levels there as well', async () => {
    const token = (await api.shops.createToken('alpha', ['read_product'], { rateLimited: true })).token;
    const denied = await api.call('DELETE', image, undefined, { 'access-token': token });
    expect(denied.statusCode).toBe(403);
    expect(denied.headers['x-shoplazza-api-call-limit']).toBe('1/4');
  });

  it("shares the store's bucket between the store's limited tokens, and leaves other tokens alone", async () => {
    // A store of its own: its bucket is empty, whatever the tests before filled.
    await api.shops.create('gamma');
    const limited = async () => (await api.shops.createToken('gamma', ['read_product'], { rateLimited: true })).token;
    const [a, b] = [await limited(), await limited()];
    const accepted = async (token: string, n: number) => {
      let ok = 0;
      for (let i = 0; i < n; i++) if ((await api.call('GET', 'products/count', undefined, { 'access-token': token })).statusCode === 200) ok++;
      return ok;
    };
    const first = await accepted(a, 4);
    const second = await accepted(b, 4);
    // 6 fit in the store's bucket, plus what leaked meanwhile (2 a second): never all 8 at once on a fast machine.
    expect(first).toBe(4);
    expect(second).toBeGreaterThanOrEqual(2);
    const refused = await api.call('GET', 'products/count', undefined, { 'access-token': b });
    if (refused.statusCode === 429) expect(refused.json().errors[0]).toMatch(/^Too Many Requests: the (store's bucket is full \(6 requests, leaking 2 per second\)|app's bucket)/);
    // The token made by startApi is not rate limited: no 429 and no level header, however fast it goes.
    for (let i = 0; i < 20; i++) {
      const res = await api.call('GET', image);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-shoplazza-api-call-limit']).toBeUndefined();
    }
  });
});

describe('rate limits off', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi('sqlite', { env: { PRODIMG_RATE_LIMIT: 'off' } });
  });
  afterAll(() => api.close());

  it('never refuses a limited token and adds no header', async () => {
    const { token } = await api.shops.createToken('alpha', ['read_product'], { rateLimited: true });
    for (let i = 0; i < 50; i++) {
      const res = await api.call('GET', 'products/count', undefined, { 'access-token': token });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-shoplazza-api-call-limit']).toBeUndefined();
    }
  });
});
