import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CorsPolicy } from '../../src/server/cors.js';
import { controlRefusal } from '../../src/stand-in/control-guard.js';
import { call, DIALECTS, standInOn } from './stand-in-support.js';

const own: CorsPolicy = { origins: undefined, baseDomain: 'myshoplaza.localhost', publicUrl: undefined };
const listed: CorsPolicy = { ...own, origins: ['https://app.example.com'] };
const any: CorsPolicy = { ...own, origins: '*' };
const HOST = '127.0.0.1:4000';

describe('controlRefusal', () => {
  it.each([
    // [policy, headers, refused with]
    [own, {}, null],
    [own, { 'content-length': '0' }, null],
    [own, { 'content-type': 'text/plain', 'content-length': '0' }, null],
    [own, { 'content-type': 'application/json; charset=utf-8', 'content-length': '2' }, null],
    [own, { origin: 'http://127.0.0.1:4000' }, null],
    [own, { origin: 'http://localhost:4000' }, null],
    [own, { origin: 'http://alpha.myshoplaza.localhost:4000' }, null],
    [own, { origin: 'http://localhost:3000' }, /not "http:\/\/localhost:3000"/],
    [own, { origin: 'https://evil.example' }, /not "https:\/\/evil\.example"/],
    [own, { origin: 'null' }, /not "null"/],
    [listed, { origin: 'https://app.example.com' }, null],
    // Listing origins for the API does not take the server's own pages away from its control endpoints.
    [listed, { origin: 'http://127.0.0.1:4000' }, null],
    [listed, { origin: 'https://evil.example' }, /not "https:\/\/evil\.example"/],
    // `*` opens the API to any page, not the power to reset.
    [any, { origin: 'https://evil.example' }, /not "https:\/\/evil\.example"/],
    [own, { 'content-type': 'text/plain', 'content-length': '1' }, /must be JSON \(Content-Type application\/json\), got text\/plain$/],
    [own, { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' }, /got application\/x-www-form-urlencoded$/],
    [own, { 'content-length': '5' }, /got no Content-Type$/],
    [own, { origin: 'http://127.0.0.1:4000', 'content-type': 'multipart/form-data; boundary=x', 'content-length': '100' }, /got multipart\/form-data$/],
  ])('%j with %j -> %s', (policy, headers, refused) => {
    const refusal = controlRefusal(policy, { host: HOST, ...headers });
    if (refused === null) expect(refusal).toBeNull();
    else expect(refusal).toMatch(refused);
  });
});

const TOKEN = 'guard-token';
const LISTED = 'https://app.example.com';
const EVIL = 'https://evil.example';

describe.each(DIALECTS)("the stand-in's control endpoints on %s", (dialect) => {
  let stand: Awaited<ReturnType<typeof standInOn>>;
  let url: string;
  const send = async (method: 'GET' | 'POST' | 'DELETE', path: string, headers: Record<string, string> = {}, body?: string) => {
    const res = await request(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? JSON.parse(text) : null };
  };
  const productCount = async () => (await call(stand.server, TOKEN, 'GET', '/openapi/2022-01/products/count')).body.count as number;

  beforeAll(async () => {
    stand = await standInOn(dialect, {
      seed: { shops: [{ subdomain: 'guard', tokens: [{ token: TOKEN }], products: [{ title: 'Seeded' }] }] },
      settings: { PRODIMG_CORS_ORIGINS: LISTED },
    });
    url = stand.server.url;
  });
  afterAll(() => stand.stop());

  it('refuses a cross-site reset (a text/plain body, a foreign Origin) with a 403 and leaves the data as it was', async () => {
    await stand.server.reset();
    expect((await call(stand.server, TOKEN, 'POST', '/openapi/2022-01/products', { product: { title: 'Made by the test' } })).status).toBe(200);
    const forbidden = { errors: [expect.stringMatching(/^Forbidden: /)] };
    // What a page's form or fetch(..., { mode: 'no-cors' }) sends: no preflight stops it.
    for (const headers of [{ origin: EVIL, 'content-type': 'text/plain' }, { origin: EVIL, 'content-type': 'application/x-www-form-urlencoded' }]) {
      expect(await send('POST', '/__prodimg/reset', headers, 'x=1'), JSON.stringify(headers)).toEqual({ status: 403, body: forbidden });
    }
    expect(await send('POST', '/__prodimg/reset', { origin: EVIL })).toEqual({ status: 403, body: forbidden });
    // Even with no Origin, a body that is not JSON is no curl or test code's reset.
    expect(await send('POST', '/__prodimg/reset', { 'content-type': 'text/plain' }, 'reset')).toEqual({ status: 403, body: forbidden });
    expect(await productCount()).toBe(2);
    expect(stand.server.requests().length).toBeGreaterThan(0);
  });

  it('refuses a foreign Origin on /requests and /faults, and a non-JSON body there, changing nothing', async () => {
    await stand.server.reset();
    stand.server.fault({ path: '/openapi/2022-01/shop', status: 500 });
    await call(stand.server, TOKEN, 'GET', '/openapi/2022-01/products/count');
    const fault = JSON.stringify({ path: '/openapi/2022-01/products/count', status: 503 });
    for (const [method, path, headers, body] of [
      ['GET', '/__prodimg/requests', { origin: EVIL }, undefined],
      ['GET', '/__prodimg/faults', { origin: EVIL }, undefined],
      ['DELETE', '/__prodimg/faults', { origin: EVIL }, undefined],
      ['POST', '/__prodimg/faults', { origin: EVIL, 'content-type': 'text/plain' }, fault],
      ['POST', '/__prodimg/faults', { origin: EVIL, 'content-type': 'application/json' }, fault],
      ['POST', '/__prodimg/faults', { 'content-type': 'text/plain' }, fault],
    ] as const) {
      const answer = await send(method, path, headers, body);
      expect(answer, `${method} ${path} ${JSON.stringify(headers)}`).toEqual({ status: 403, body: { errors: [expect.stringMatching(/^Forbidden: /)] } });
    }
    // The fault still waits, no other was added, and the journal still holds the count.
    expect(stand.server.requests().map((entry) => entry.path)).toEqual(['/openapi/2022-01/products/count']);
    expect((await send('GET', '/__prodimg/faults')).body).toEqual({ faults: [{ path: '/openapi/2022-01/shop', status: 500, times: 1 }] });
  });

  it("answers the server's own pages, a PRODIMG_CORS_ORIGINS origin, and curl (no Origin; an empty POST still resets)", async () => {
    const own = `http://127.0.0.1:${new URL(url).port}`;
    for (const origin of [own, `http://localhost:${new URL(url).port}`, LISTED]) {
      await call(stand.server, TOKEN, 'POST', '/openapi/2022-01/products', { product: { title: 'Again' } });
      const requests = await send('GET', '/__prodimg/requests', { origin });
      expect(requests.status, origin).toBe(200);
      expect(requests.body.requests.length).toBeGreaterThan(0);
      const added = await send('POST', '/__prodimg/faults', { origin, 'content-type': 'application/json' }, JSON.stringify({ path: '/x', status: 500 }));
      expect(added.status, origin).toBe(201);
      expect((await send('DELETE', '/__prodimg/faults', { origin })).status).toBe(200);
      expect(await send('POST', '/__prodimg/reset', { origin })).toEqual({ status: 200, body: { reset: true, ms: expect.any(Number) } });
      expect(await productCount()).toBe(1);
    }
    // `curl -X POST "$URL/__prodimg/reset"`: no Origin, no body, no Content-Type.
    await call(stand.server, TOKEN, 'POST', '/openapi/2022-01/products', { product: { title: 'Again' } });
    expect(await send('POST', '/__prodimg/reset')).toEqual({ status: 200, body: { reset: true, ms: expect.any(Number) } });
    expect(await productCount()).toBe(1);
    // An empty body under another type is still no body.
    expect((await send('POST', '/__prodimg/reset', { 'content-type': 'text/plain' }, '')).status).toBe(200);
  });
});
