import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, createClient, type RetryEvent } from '../../src/client/index.js';

/**
 * What the server does not do on demand: a 503 with Retry-After, then the answer. A local server
 * that answers from a script shows the client's side of it: the wait, the body sent again, the shapes
 * of answers that are not the API's.
 */
interface Scripted {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

describe('the client over a scripted HTTP server', () => {
  let server: Server;
  let base: string;
  let script: Scripted[];
  const received: Array<{ method: string; url: string; headers: Record<string, string | string[] | undefined>; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        const next = script.shift() ?? { status: 500, body: 'the script is over' };
        res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers }).end(next.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
    script = [];
  });

  it('waits out a 503 for its Retry-After and sends the same request again, body and all', async () => {
    const image = { id: 'i1', product_id: 'p1', position: 1, src: 'https://img.example.com/a.jpg', path: 'a.jpg', width: 0, height: 0, alt: '', created_at: 'c', updated_at: 'u' };
    script = [
      { status: 503, headers: { 'retry-after': '1' }, body: '{"errors":["Service Unavailable: too many image downloads are waiting, retry shortly"]}' },
      { status: 200, body: JSON.stringify({ image }) },
    ];
    const retries: RetryEvent[] = [];
    const client = createClient({ baseUrl: `${base}/`, token: 't0k', onRetry: (retry) => retries.push(retry) });
    const started = Date.now();
    expect(await client.images.create('p1', { src: 'https://img.example.com/a.jpg' })).toEqual(image);
    // A timer may fire a millisecond early by Date.now's clock.
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(retries).toEqual([{ method: 'POST', path: '/products/p1/images', status: 503, attempt: 1, waitMs: 1000 }]);
    expect(received).toHaveLength(2);
    expect(received[1]).toEqual(received[0]);
    expect(received[0]).toMatchObject({ method: 'POST', url: '/openapi/2022-01/products/p1/images', body: '{"image":{"src":"https://img.example.com/a.jpg"}}' });
    expect(received[0]!.headers).toMatchObject({ 'access-token': 't0k', 'content-type': 'application/json', accept: 'application/json' });
  });

  it('gives up after maxRetries: the last answer as an ApiError, a body that is not JSON kept as text', async () => {
    script = [
      { status: 503, body: 'busy' },
      { status: 503, headers: { 'request-id': 'req-2' }, body: 'still busy' },
    ];
    const retries: RetryEvent[] = [];
    const client = createClient({ baseUrl: base, token: 't', maxRetries: 1, maxRetryWaitMs: 5, onRetry: (retry) => retries.push(retry) });
    const error = await client.products.count().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 503, errors: ['HTTP 503'], body: 'still busy', requestId: 'req-2', code: undefined });
    // No Retry-After: 1 s, capped at maxRetryWaitMs.
    expect(retries.map((retry) => retry.waitMs)).toEqual([5]);
    expect(received).toHaveLength(2);
  });

  it('does not retry other errors, nor any with maxRetries 0', async () => {
    script = [{ status: 500, body: '{"errors":["Internal Server Error"]}' }];
    await expect(createClient({ baseUrl: base, token: 't' }).products.count()).rejects.toMatchObject({ status: 500, errors: ['Internal Server Error'] });
    script = [{ status: 429, headers: { 'retry-after': '1' }, body: '{"code":"TooManyRequests","message":"Too Many Requests: slow down"}' }];
    await expect(createClient({ baseUrl: base, token: 't', version: '2026-01', maxRetries: 0 }).products.count()).rejects.toMatchObject({
      status: 429,
      code: 'TooManyRequests',
      errors: ['Too Many Requests: slow down'],
    });
    expect(received).toHaveLength(2);
  });

  it('sends the query without its unset fields, the extra headers, and escapes ids in the path', async () => {
    script = [
      { status: 200, body: '{"code":"Success","data":{"cursor":"","pre_cursor":"","products":[]}}' },
      { status: 200, body: '{"code":"Success","data":{}}' },
    ];
    const client = createClient({ baseUrl: base, token: 't', version: '2025-06', headers: { 'user-agent': 'my-app/1.0' } });
    expect(await client.products.list({ per_page: 5, title: 'a b&c', fields: undefined, cursor: '' })).toEqual({ cursor: '', pre_cursor: '', products: [] });
    expect(await client.variants.delete('p/1', 'v?2')).toBeUndefined();
    expect(received.map((request) => request.url)).toEqual(['/openapi/2025-06/products?per_page=5&title=a+b%26c', '/openapi/2025-06/products/p%2F1/variants/v%3F2']);
    expect(received[0]!.headers['user-agent']).toBe('my-app/1.0');
  });

  it("unwraps by the version's rule, not by the body's shape: a classic answer that has code and data is the data as it is", async () => {
    const lookalike = '{"code":"Success","data":{"count":1},"count":2}';
    script = [{ status: 200, body: lookalike }, { status: 200, body: lookalike }];
    expect(await createClient({ baseUrl: base, token: 't', version: '2022-01' }).products.count()).toBe(2);
    expect(await createClient({ baseUrl: base, token: 't', version: '2026-01' }).products.count()).toBe(1);
  });
});

describe('createClient', () => {
  it('refuses a version the API does not serve, naming those it does', () => {
    expect(() => createClient({ baseUrl: 'http://127.0.0.1:1', token: 't', version: '2024-01' })).toThrow(
      new TypeError('createClient: version must be one of 2020-07, 2022-01, 2025-06, 2026-01, got "2024-01"'),
    );
  });
});

describe('createClient', () => {
  it("speaks to the store's own address for a shop, in 2022-01, through the fetch it is given", async () => {
    const urls: string[] = [];
    const client = createClient({
      shop: 'store123',
      token: 't',
      fetch: async (input) => {
        urls.push(String(input));
        return new Response('{"count":7}', { status: 200, headers: { 'content-type': 'application/json' } });
      },
    });
    expect(await client.products.count()).toBe(7);
    expect(urls).toEqual(['https://store123.myshoplaza.com/openapi/2022-01/products/count']);
  });

  it('needs a shop or a baseUrl, and a token', () => {
    expect(() => createClient({ token: 't' })).toThrow(new TypeError('createClient needs a shop (the store subdomain) or a baseUrl'));
    expect(() => createClient({ shop: 's', token: '' })).toThrow(new TypeError('createClient needs a token'));
  });
});
