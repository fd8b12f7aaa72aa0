import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, createClient, type RetryEvent } from '../../src/client/index.js';
import { startProdimg, type ProdimgStandIn } from '../../src/index.js';
import { FAULTS_MAX } from '../../src/stand-in/faults.js';
import { call } from './stand-in-support.js';

const TOKEN = 'faults-token';
const post = (server: ProdimgStandIn, body: unknown) =>
  fetch(`${server.url}/__prodimg/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

describe('fault injection', () => {
  let server: ProdimgStandIn;
  let product: string;
  beforeAll(async () => {
    server = await startProdimg({
      seed: {
        shops: [{ subdomain: 'faults', tokens: [{ token: TOKEN }], products: [{ title: 'Lamp' }] }],
        faults: [{ method: 'GET', path: '/openapi/2022-01/shop', status: 500, times: 1 }],
      },
    });
    product = (await call(server, TOKEN, 'GET', '/openapi/2022-01/products')).body.products[0].id;
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it('answers the next N matching requests with a 429 in each version family, with Retry-After, then lets them through', async () => {
    const added = await post(server, { method: 'GET', path: '/openapi/*/products/*/images', status: 429, times: 2, retry_after: 3 });
    expect(added.status).toBe(201);
    expect(await added.json()).toEqual({ faults: [{ method: 'GET', path: '/openapi/*/products/*/images', status: 429, times: 2, retry_after: 3 }] });
    const classic = await call(server, TOKEN, 'GET', `/openapi/2022-01/products/${product}/images`);
    expect(classic.status).toBe(429);
    expect(classic.headers.get('retry-after')).toBe('3');
    expect(classic.body).toEqual({ errors: ["Too Many Requests: the app's bucket for this store is full (40 requests, leaking 2 per second); retry after 3 s"] });
    const envelope = await call(server, TOKEN, 'GET', `/openapi/2026-01/products/${product}/images`);
    expect(envelope.status).toBe(429);
    expect(envelope.body).toEqual({ code: 'TooManyRequests', message: "Too Many Requests: the app's bucket for this store is full (40 requests, leaking 2 per second); retry after 3 s" });
    expect((await call(server, TOKEN, 'GET', `/openapi/2022-01/products/${product}/images`)).status).toBe(200);
    expect(server.requests().map((entry) => entry.status)).toEqual([429, 429, 200]);
  });

  it('answers 500 and 503 in the platform body, and matches only its method and path', async () => {
    expect((await post(server, [{ method: 'PUT', path: '/openapi/2022-01/products/*', status: 500 }, { path: '/openapi/2025-06/**', status: 503, retry_after: 5 }])).status).toBe(201);
    // The GET of the same path is not a PUT.
    expect((await call(server, TOKEN, 'GET', `/openapi/2022-01/products/${product}`)).status).toBe(200);
    const failed = await call(server, TOKEN, 'PUT', `/openapi/2022-01/products/${product}`, { product: { title: 'Lamp 2' } });
    expect(failed).toMatchObject({ status: 500, body: { errors: ['Internal Server Error'] } });
    expect((await call(server, TOKEN, 'GET', `/openapi/2022-01/products/${product}`)).body.product.title).toBe('Lamp');
    const busy = await call(server, TOKEN, 'GET', '/openapi/2025-06/products/count');
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('5');
    expect(busy.body).toEqual({ code: 'ServiceUnavailable', message: 'Service Unavailable: the server is busy, retry shortly' });
  });

  it('waits delay_ms before answering, and with no status then answers as usual', async () => {
    server.fault({ path: '/openapi/2022-01/products/count', delay_ms: 300 });
    const started = performance.now();
    const res = await call(server, TOKEN, 'GET', '/openapi/2022-01/products/count');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(res).toMatchObject({ status: 200, body: { count: 1 } });
  });

  it('lists and clears the faults; a reset brings back the seed faults only', async () => {
    await post(server, { path: '/openapi/2022-01/products', status: 500, times: 4 });
    const listed = await (await fetch(`${server.url}/__prodimg/faults`)).json();
    expect(listed.faults).toEqual([
      { method: 'GET', path: '/openapi/2022-01/shop', status: 500, times: 1 },
      { path: '/openapi/2022-01/products', status: 500, times: 4 },
    ]);
    const cleared = await fetch(`${server.url}/__prodimg/faults`, { method: 'DELETE' });
    expect(await cleared.json()).toEqual({ faults: [] });
    expect((await call(server, TOKEN, 'GET', '/openapi/2022-01/shop')).status).toBe(200);
    await server.reset();
    expect((await call(server, TOKEN, 'GET', '/openapi/2022-01/shop')).status).toBe(500);
    expect((await call(server, TOKEN, 'GET', '/openapi/2022-01/shop')).status).toBe(200);
  });

  it('refuses a bad fault with every problem named, in the platform shape', async () => {
    const cases: Array<[unknown, string[]]> = [
      [{ path: '/x', status: 404 }, ['fault.status: must be one of 429, 500, 503, got 404']],
      [{ path: 'no-slash', status: 500, times: 0 }, ['fault.path: expected string to match \'^/\', got "no-slash"', 'fault.times: expected integer to be greater or equal to 1, got 0']],
      [{ path: '/x' }, ['fault: give a status (429, 500, 503), a delay_ms, or both']],
      [{ status: 500, colour: 'red' }, ['fault.path: is required', 'fault.colour: unexpected property, got "red"']],
      [[{ path: '/a', status: 500 }, { path: '/b', delay_ms: -1 }], ['[1].delay_ms: expected integer to be greater or equal to 0, got -1']],
      ['nonsense', ['fault: expected object, got "nonsense"']],
    ];
    for (const [body, errors] of cases) {
      const res = await post(server, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(await res.json(), JSON.stringify(body)).toEqual({ errors });
    }
    expect(server.requests()).toEqual([]);
  });

  it(`holds at most ${FAULTS_MAX} faults, and a list that would pass that adds none`, async () => {
    // The seed holds one fault already.
    const many = Array.from({ length: FAULTS_MAX - 2 }, (_, i) => ({ path: `/never/${i}`, status: 500 as const }));
    expect((await post(server, many)).status).toBe(201);
    const over = await post(server, [{ path: '/a', status: 500 }, { path: '/b', status: 500 }]);
    expect([over.status, await over.json()]).toEqual([422, { errors: [`${FAULTS_MAX} faults may wait at once; DELETE /__prodimg/faults drops them`] }]);
    expect((await post(server, { path: '/last', status: 500 })).status).toBe(201);
    expect(() => server.fault({ path: '/one-more', status: 500 })).toThrow(`${FAULTS_MAX} faults may wait at once`);
  });

  it.each(['2022-01', '2026-01'])('through the typed client (%s): a 429 is retried after its Retry-After and succeeds; a 500 is an ApiError with the platform body', async (version) => {
    const retries: RetryEvent[] = [];
    const client = createClient({ baseUrl: server.url, token: TOKEN, version, onRetry: (retry) => retries.push(retry) });
    server.fault({ method: 'GET', path: `/openapi/${version}/products/*/images`, status: 429, times: 2, retry_after: 1 });
    expect(await client.images.list(product)).toEqual([]);
    expect(retries.map((retry) => retry.status)).toEqual([429, 429]);
    expect(server.requests().map((entry) => entry.status)).toEqual([429, 429, 200]);

    server.fault({ method: 'POST', path: `/openapi/${version}/products`, status: 500 });
    const failure = await client.products.create({ title: 'Never' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    const body = version === '2022-01' ? { errors: ['Internal Server Error'] } : { code: 'InternalError', message: 'Internal Server Error' };
    expect(failure).toMatchObject({ status: 500, errors: ['Internal Server Error'], body, requestId: server.requests().at(-1)!.request_id });
    expect(await client.products.count()).toBe(1);
  });
});
