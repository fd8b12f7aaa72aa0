import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleValue, samples } from '../support/metrics-text.js';
import { startApi, type TestApi, untilCaching, V } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

const ROUTE_OF_IMAGE = `${V}/products/:product_id/images/:image_id`;

describe.each(DIALECTS)('HTTP request metrics in /metrics on %s', (dialect) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(dialect, { feedTiming: { heartbeatMs: 50, quietMs: 150 } });
  });
  afterAll(() => api.close());

  const scrape = async () => (await api.call('GET', '/metrics')).body;
  const requests = (text: string, labels: Record<string, string>) => sampleValue(text, 'prodimg_http_requests_total', labels) ?? 0;

  it('counts requests by route pattern, method and status, never by raw URL', async () => {
    const { id, imageIds } = await api.product(1);
    const before = await scrape();
    const image = `products/${id}/images/${imageIds[0]}`;
    expect((await api.call('GET', image)).statusCode).toBe(200);
    // A refusal (a 4xx from the same route) is its own series.
    const refused = String((await api.call('GET', `products/${id}/images/${randomUUID()}`)).statusCode);
    expect(refused).toMatch(/^4\d\d$/);
    const after = await scrape();
    // The router's answer: routeOptions.url, the pattern with its parameters' names.
    expect(requests(after, { route: ROUTE_OF_IMAGE, method: 'GET', status: '200' }) - requests(before, { route: ROUTE_OF_IMAGE, method: 'GET', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(requests(after, { route: ROUTE_OF_IMAGE, method: 'GET', status: refused }) - requests(before, { route: ROUTE_OF_IMAGE, method: 'GET', status: refused })).toBe(1);
    expect(after).not.toContain(id);
    // Each series has its latency histogram, whose count is the counter's.
    const count = sampleValue(after, 'prodimg_http_request_duration_seconds_count', { route: ROUTE_OF_IMAGE, status: refused });
    const inf = sampleValue(after, 'prodimg_http_request_duration_seconds_bucket', { route: ROUTE_OF_IMAGE, status: refused, le: '+Inf' });
    expect([count, inf]).toEqual([requests(after, { route: ROUTE_OF_IMAGE, status: refused }), requests(after, { route: ROUTE_OF_IMAGE, status: refused })]);
  });

  it('puts every URL no route matched under route="unmatched"', async () => {
    const before = requests(await scrape(), { route: 'unmatched', status: '404' });
    expect((await api.call('GET', '/no/such/path/123')).statusCode).toBe(404);
    const after = await scrape();
    expect(requests(after, { route: 'unmatched', method: 'GET', status: '404' })).toBe(before + 1);
    expect(after).not.toContain('/no/such/path');
  });

  it('counts answers of the fast read path under the route the router would have matched', async () => {
    const { id, imageIds } = await api.product(1);
    const image = `products/${id}/images/${imageIds[0]}`;
    await untilCaching(api, image);
    const labels = { route: ROUTE_OF_IMAGE, method: 'GET', status: '200' };
    // A poll of the change feed may empty the cache between two reads: read until one is answered early.
    const fastBefore = api.app.fastRead!.answered;
    const before = requests(await scrape(), labels);
    let reads = 0;
    while (api.app.fastRead!.answered === fastBefore && reads < 50) {
      expect((await api.call('GET', image)).statusCode).toBe(200);
      reads++;
    }
    expect(api.app.fastRead!.answered).toBeGreaterThan(fastBefore);
    const after = await scrape();
    expect(requests(after, labels)).toBe(before + reads);
    expect(sampleValue(after, 'prodimg_http_request_duration_seconds_count', labels)).toBe(requests(after, labels));
  });

  it('keeps the route label bounded: one series per route pattern, whatever the ids', async () => {
    const routes = new Set(samples(await scrape()).filter((s) => s.name === 'prodimg_http_requests_total').map((s) => s.labels.route));
    expect(routes.size).toBeGreaterThan(1);
    for (const route of routes) expect(route === 'unmatched' || route!.startsWith('/')).toBe(true);
    for (const route of routes) expect(route).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
  });
});

describe('PRODIMG_METRICS_TOKEN', () => {
  const token = 'scrape-me-0123456789abcdef';
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi('sqlite', { env: { PRODIMG_METRICS_TOKEN: token } });
  });
  afterAll(() => api.close());

  it('answers /metrics only to `Authorization: Bearer <token>`, else 401 in the error shape', async () => {
    const none = await api.call('GET', '/metrics');
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ errors: ['Unauthorized'] });
    expect((await api.call('GET', '/metrics', undefined, { authorization: `Bearer ${token}x` })).statusCode).toBe(401);
    expect((await api.call('GET', '/metrics', undefined, { authorization: token })).statusCode).toBe(401);
    const allowed = await api.call('GET', '/metrics', undefined, { authorization: `Bearer ${token}` });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.body).toContain('prodimg_http_requests_total');
  });

  it('refuses a token too short to guess at start, naming the setting', async () => {
    await expect(startApi('sqlite', { env: { PRODIMG_METRICS_TOKEN: 'short' } })).rejects.toThrow(/PRODIMG_METRICS_TOKEN/);
  });
});
