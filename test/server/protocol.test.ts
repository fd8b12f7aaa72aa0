import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostFault } from '../../src/server/host-header.js';
import { startApi, type TestApi, V } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

/** Sends raw bytes and resolves with everything the server wrote once it closes the connection. */
function exchange(base: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(raw));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

/** Status line and JSON body of a raw answer. */
function parsed(raw: string): { status: string; requestId: boolean; body: unknown } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  return { status: head.split('\r\n')[0]!, requestId: /\r\nRequest-Id: [0-9a-f-]{36}\r\n/i.test(`${head}\r\n`), body: body === '' ? '' : JSON.parse(body) };
}

describe('hostFault', () => {
  it.each([
    [['Host', 'alpha.myshoplaza.localhost:8080'], null],
    [['Host', 'alpha.myshoplaza.localhost'], null],
    [['Host', '127.0.0.1:8080'], null],
    [['Host', '[::1]:8080'], null],
    [['Host', ''], null],
    [[], null],
    [['Host', 'storeb.myshoplaza.localhost:abc'], 'the Host header is not valid (expected a host name and an optional numeric port)'],
    [['Host', 'a b'], 'the Host header is not valid (expected a host name and an optional numeric port)'],
    [['Host', 'user@alpha.myshoplaza.localhost'], 'the Host header is not valid (expected a host name and an optional numeric port)'],
    [['Host', 'a', 'host', 'b'], 'the request has more than one Host header'],
    [['Host', 'a', 'Accept', '*/*', 'HOST', 'a'], 'the request has more than one Host header'],
  ])('%j -> %s', (raw, fault) => {
    expect(hostFault(raw)).toBe(fault);
  });
});

describe.each(DIALECTS)('protocol corners on %s', (dialect) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(() => api.close());

  it('CONNECT gets a 501 in the contract shape instead of a dropped connection', async () => {
    const answer = parsed(await exchange(api.base, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'));
    expect(answer).toEqual({
      status: 'HTTP/1.1 501 Not Implemented',
      requestId: true,
      body: { errors: ['Not Implemented: CONNECT is not supported (this server is not a proxy)'] },
    });
  });

  it('an Expect other than 100-continue gets a 417 saying which, not an empty one', async () => {
    const raw = `GET ${V}/products/count HTTP/1.1\r\nHost: 127.0.0.1\r\nAccess-Token: ${api.token}\r\nExpect: 200-ok\r\nConnection: close\r\n\r\n`;
    expect(parsed(await exchange(api.base, raw))).toEqual({
      status: 'HTTP/1.1 417 Expectation Failed',
      requestId: true,
      body: { errors: ['Expectation Failed: the only expectation supported is "Expect: 100-continue", got "200-ok"'] },
    });
  });

  it('a Host with a non-numeric port is a 400, not a way around the store check', async () => {
    await api.shops.create('storeb', { name: 'B' });
    const res = await api.call('GET', 'products/count', undefined, { host: 'storeb.myshoplaza.localhost:abc' });
    expect({ status: res.statusCode, body: res.json() }).toEqual({
      status: 400,
      body: { errors: ['Bad Request: the Host header is not valid (expected a host name and an optional numeric port)'] },
    });
    expect(res.headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a duplicate Host header is a 400, on the router and on a repeated read alike', async () => {
    const { id } = await api.product(1);
    for (let i = 0; i < 3; i++) {
      const raw = `GET ${V}/products/${id}/images HTTP/1.1\r\nHost: alpha.myshoplaza.localhost\r\nHost: storeb.myshoplaza.localhost\r\nAccess-Token: ${api.token}\r\nConnection: close\r\n\r\n`;
      expect(parsed(await exchange(api.base, raw))).toEqual({
        status: 'HTTP/1.1 400 Bad Request',
        requestId: true,
        body: { errors: ['Bad Request: the request has more than one Host header'] },
      });
      // A plain read between the attempts fills the fast read path's bytes.
      expect((await api.call('GET', `products/${id}/images`)).statusCode).toBe(200);
    }
  });

  it('a __proto__ key is reported as such, not as invalid JSON', async () => {
    const { id } = await api.product(0);
    for (const body of ['{"image":{"src":"https://a.example/x.jpg"},"__proto__":{"x":1}}', '{"image":{"src":"https://a.example/x.jpg"},"constructor":{"prototype":{"x":1}}}']) {
      const res = await api.call('POST', `products/${id}/images`, body);
      expect({ status: res.statusCode, body: res.json() }).toEqual({
        status: 400,
        body: { errors: ['Bad Request: body must not contain a "__proto__" key, or a "constructor" key with a "prototype"'] },
      });
    }
  });
});
