import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REDIRECTS, redirectStep } from '../../src/client/redirect.js';
import { createClient, RedirectRefusedError } from '../../src/client/index.js';

describe('redirectStep: a redirect is followed within its origin only', () => {
  const from = 'https://store.example/openapi/2022-01/products';
  it.each([
    ['a 200 is the answer', 200, null, 'GET', 0, undefined],
    ['a 302 without a Location is the answer', 302, null, 'GET', 0, undefined],
    ['a relative Location, same origin', 302, '/openapi/2022-01/products?page=2', 'GET', 0, { follow: 'https://store.example/openapi/2022-01/products?page=2' }],
    ['a 307 of a write keeps its method and body', 307, 'https://store.example/x', 'POST', 0, { follow: 'https://store.example/x' }],
    ['a 308 of a delete', 308, '/y', 'DELETE', 4, { follow: 'https://store.example/y' }],
  ] as const)('%s', (_name, status, location, method, hops, step) => {
    expect(redirectStep(status, location, from, method, hops)).toEqual(step);
  });
  it.each([
    ['another host', 302, 'https://evil.example/steal', 'GET', 0, /^another origin than https:\/\/store\.example/],
    ['another port', 307, 'https://store.example:8443/x', 'GET', 0, /^another origin/],
    ['another scheme', 301, 'http://store.example/x', 'GET', 0, /^another origin/],
    ['a protocol-relative Location elsewhere', 302, '//evil.example/x', 'GET', 0, /^another origin/],
    ['a 302 of a POST (fetch would make it a GET without its body)', 302, '/x', 'POST', 0, /POST into a GET/],
    ['a 303 of a PUT', 303, '/x', 'PUT', 0, /PUT into a GET/],
    ['too many in a row', 302, '/x', 'GET', MAX_REDIRECTS, /more than 5 redirects/],
    ['a Location that is no URL', 302, 'http://[::1', 'GET', 0, /not a URL/],
  ] as const)('refuses %s', (_name, status, location, method, hops, reason) => {
    const step = redirectStep(status, location, from, method, hops);
    expect(step).toMatchObject({ location });
    expect(step && 'refuse' in step ? step.refuse : undefined).toMatch(reason);
  });
});

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; base: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url!, headers: req.headers });
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('the client over a store that redirects (real servers; another port is another origin)', () => {
  let store: Awaited<ReturnType<typeof listen>>;
  let elsewhere: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    elsewhere = await listen((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"count":666}'));
    store = await listen((req, res) => {
      const route: Record<string, () => void> = {
        '/openapi/2022-01/products/count': () => res.writeHead(302, { location: `${elsewhere.base}/collect` }).end(),
        '/openapi/2022-01/products/p1': () => res.writeHead(307, { location: `${elsewhere.base}/collect` }).end(),
        '/openapi/2022-01/products/p1/images/count': () => res.writeHead(301, { location: '/openapi/2022-01/moved/count' }).end(),
        '/openapi/2022-01/moved/count': () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"count":3}'),
        '/openapi/2022-01/products/p2/images/count': () => res.writeHead(302, { location: '/openapi/2022-01/products/p2/images/count' }).end(),
      };
      (route[req.url!] ?? (() => res.writeHead(404).end()))();
    });
  });
  afterAll(async () => {
    for (const { server } of [store, elsewhere]) await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses a 302 or 307 to another origin, naming the Location, and the token never arrives there', async () => {
    const client = createClient({ baseUrl: store.base, token: 'secret-token' });
    const counted = await client.products.count().catch((err: unknown) => err);
    expect(counted).toBeInstanceOf(RedirectRefusedError);
    expect(counted).toMatchObject({ status: 302, location: `${elsewhere.base}/collect`, url: `${store.base}/openapi/2022-01/products/count` });
    expect((counted as Error).message).toContain(`Location ${elsewhere.base}/collect`);
    await expect(client.products.update('p1', { title: 'x' })).rejects.toMatchObject({ name: 'RedirectRefusedError', status: 307 });
    expect(elsewhere.seen).toEqual([]);
    expect(store.seen.filter((request) => request.headers['access-token'] === 'secret-token')).toHaveLength(2);
  });

  it('follows a redirect within the origin, token and all, and refuses a loop after 5', async () => {
    const client = createClient({ baseUrl: store.base, token: 'secret-token' });
    expect(await client.images.count('p1')).toBe(3);
    expect(store.seen.at(-1)).toMatchObject({ url: '/openapi/2022-01/moved/count', headers: { 'access-token': 'secret-token' } });
    const before = store.seen.length;
    await expect(client.images.count('p2')).rejects.toThrow(/more than 5 redirects in a row/);
    expect(store.seen.length - before).toBe(MAX_REDIRECTS + 1);
    expect(elsewhere.seen).toEqual([]);
  });
});
