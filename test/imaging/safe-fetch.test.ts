import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FetchFailure, type FetchFailureReason } from '../../src/imaging/fetch-failure.js';
import { createSafeFetcher, safeFetch } from '../../src/imaging/safe-fetch.js';
import { type Origin, redirect, send, silent, startOrigin, trickle } from './fixtures/origin-server.js';

async function failureOf(promise: Promise<unknown>): Promise<FetchFailureReason> {
  const error = await promise.then(
    () => new Error('expected the download to fail'),
    (e: unknown) => e,
  );
  if (!(error instanceof FetchFailure)) throw error;
  return error.reason;
}

const open = { allowPrivate: true };

describe('safeFetch', () => {
  let origin: Origin;
  const endless: Parameters<typeof startOrigin>[0][string] = (_request, response) => {
    response.writeHead(200, { 'content-type': 'image/png' });
    const chunk = Buffer.alloc(16 * 1024, 1);
    const pump = () => {
      while (response.write(chunk));
    };
    response.on('drain', pump);
    pump();
  };

  beforeAll(async () => {
    const chain: Record<string, ReturnType<typeof redirect>> = {};
    for (let i = 0; i < 6; i++) chain[`/chain/${i}`] = redirect(`/chain/${i + 1}`);
    origin = await startOrigin({
      '/image.png': send(Buffer.from('body bytes'), 'image/png'),
      '/hop/1': redirect('/hop/2', 301),
      '/hop/2': redirect('../hop/3', 307),
      '/hop/3': (request, response) => redirect(origin.url('/image.png'), 308)(request, response),
      ...chain,
      '/chain/6': send('end of chain', 'text/plain'),
      '/to-ftp': redirect('ftp://127.0.0.1/image.png'),
      '/no-location': (_request, response) => void response.writeHead(302).end(),
      '/exactly-10': send(Buffer.alloc(10), 'image/png'),
      '/declared-big': (_request, response) => {
        response.writeHead(200, { 'content-length': 1_000_000 });
        response.write(Buffer.alloc(10));
      },
      '/endless': endless,
      '/trickle': trickle,
      '/silent': silent,
    });
  });
  afterAll(() => origin.close());

  it('returns the body, its content type and the URL it came from', async () => {
    const fetched = await safeFetch(origin.url('/image.png'), open);
    expect(fetched).toEqual({ bytes: Buffer.from('body bytes'), contentType: 'image/png', finalUrl: origin.url('/image.png') });
  });

  it('follows absolute and relative redirects, reporting the last URL', async () => {
    const fetched = await safeFetch(origin.url('/hop/1'), open);
    expect(fetched.finalUrl).toBe(origin.url('/image.png'));
    expect(fetched.bytes.toString()).toBe('body bytes');
  });

  it('follows exactly the maximum number of redirects', async () => {
    const fetched = await safeFetch(origin.url('/chain/1'), open);
    expect(fetched.bytes.toString()).toBe('end of chain');
  });

  it('refuses one redirect more than the maximum', async () => {
    expect(await failureOf(safeFetch(origin.url('/chain/0'), open))).toEqual({ kind: 'too-many-redirects', max: 5 });
    expect(await failureOf(safeFetch(origin.url('/hop/1'), { ...open, maxRedirects: 2 }))).toEqual({
      kind: 'too-many-redirects',
      max: 2,
    });
  });

  it.each([
    ['/to-ftp', 'a non-HTTP scheme'],
    ['/no-location', 'no Location header'],
  ])('refuses a redirect with %s (%s)', async (path) => {
    expect(await failureOf(safeFetch(origin.url(path), open))).toEqual({ kind: 'bad-redirect' });
  });

  it('reports the status of an error answer', async () => {
    expect(await failureOf(safeFetch(origin.url('/missing'), open))).toEqual({ kind: 'status', status: 404 });
  });

  it.each([['ftp://127.0.0.1/a.png'], ['file:///etc/passwd'], ['not a url'], ['']])('refuses %j as a URL', async (url) => {
    expect(await failureOf(safeFetch(url, open))).toEqual({ kind: 'invalid-url' });
  });

  describe('size limit', () => {
    it('accepts a body of exactly the limit', async () => {
      expect((await safeFetch(origin.url('/exactly-10'), { ...open, maxBytes: 10 })).bytes).toHaveLength(10);
    });

    it('refuses a body one byte over the limit', async () => {
      expect(await failureOf(safeFetch(origin.url('/exactly-10'), { ...open, maxBytes: 9 }))).toEqual({
        kind: 'too-large',
        maxBytes: 9,
      });
    });

    it('refuses on a declared Content-Length before reading the body', async () => {
      // The origin sends 10 of the 1 000 000 bytes it declares and then stalls: only the header can end this.
      const reason = await failureOf(safeFetch(origin.url('/declared-big'), { ...open, maxBytes: 1000, totalTimeoutMs: 5000 }));
      expect(reason).toEqual({ kind: 'too-large', maxBytes: 1000 });
    });

    it('stops reading an endless body as soon as it passes the limit', async () => {
      const reason = await failureOf(safeFetch(origin.url('/endless'), { ...open, maxBytes: 100_000, totalTimeoutMs: 5000 }));
      expect(reason).toEqual({ kind: 'too-large', maxBytes: 100_000 });
    });
  });

  describe('timeouts', () => {
    it('gives up on a body that trickles in (slowloris) at the total timeout', async () => {
      const started = Date.now();
      expect(await failureOf(safeFetch(origin.url('/trickle'), { ...open, totalTimeoutMs: 300 }))).toEqual({
        kind: 'total-timeout',
        ms: 300,
      });
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('gives up on an origin that never answers', async () => {
      expect(await failureOf(safeFetch(origin.url('/silent'), { ...open, totalTimeoutMs: 200 }))).toEqual({
        kind: 'total-timeout',
        ms: 200,
      });
    });

    it('reports a connection that cannot be opened in time as a connect timeout', async () => {
      const neverResolves = () => new Promise<never>(() => undefined);
      const reason = await failureOf(
        safeFetch('http://slow.test/a.png', { ...open, resolve: neverResolves, connectTimeoutMs: 100, totalTimeoutMs: 5000 }),
      );
      expect(reason).toEqual({ kind: 'connect-timeout', ms: 100 });
    });
  });

  describe('connection errors', () => {
    it('reports a host name that does not resolve', async () => {
      expect(await failureOf(safeFetch('http://no-such-host.invalid/a.png', open))).toEqual({ kind: 'host-not-found' });
    });

    it('reports a refused connection', async () => {
      const closed = await startOrigin({});
      await closed.close();
      expect(await failureOf(safeFetch(closed.url('/a.png'), open))).toEqual({ kind: 'connection-refused' });
    });
  });

  describe('address guard (on unless allowPrivate)', () => {
    it.each([
      ['a name resolving to loopback', 'localhost'],
      ['a loopback literal', '127.0.0.1'],
      ['an IPv6 loopback literal', '[::1]'],
      ['an IPv4-mapped loopback literal', '[::ffff:127.0.0.1]'],
      ['a hex-encoded loopback', '0x7f.0.0.1'],
      ['a decimal-encoded loopback', '2130706433'],
    ])('refuses %s without sending a request', async (_what, host) => {
      const before = origin.hits.length;
      expect(await failureOf(safeFetch(origin.url('/image.png', host)))).toEqual({ kind: 'private-address' });
      expect(origin.hits.length).toBe(before);
    });

    it('re-checks every redirect hop: a public origin cannot bounce the fetch to an internal host', async () => {
      // Everything local is private, so this test's policy plays "127.0.0.1 is the public internet"
      // and keeps 127.0.0.2 internal; internal.test is a name that resolves to the internal host.
      const internal = await startOrigin({ '/secret': send('secret', 'image/png') }, '127.0.0.2');
      const publicOrigin = await startOrigin({ '/bounce': redirect(internal.url('/secret', 'internal.test')) });
      try {
        const resolve = async (name: string) => [{ address: name === 'internal.test' ? '127.0.0.2' : '127.0.0.1', family: 4 }];
        const isForbidden = (ip: string) => ip !== '127.0.0.1';
        const reason = await failureOf(safeFetch(publicOrigin.url('/bounce'), { resolve, isForbidden }));
        expect(reason).toEqual({ kind: 'private-address' });
        expect(publicOrigin.hits).toEqual(['/bounce']);
        expect(internal.hits).toEqual([]);
      } finally {
        await Promise.all([internal.close(), publicOrigin.close()]);
      }
    });

    it('refuses a name with one private address among public ones', async () => {
      const mixed = async () => [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.1', family: 4 },
      ];
      expect(await failureOf(safeFetch('http://mixed.test/a.png', { resolve: mixed }))).toEqual({ kind: 'private-address' });
    });
  });
});

describe('createSafeFetcher: one pool of kept-alive connections', () => {
  let server: Server;
  let base: string;
  const connections: Socket[] = [];
  const servedBy = new Map<string, Socket>();
  beforeAll(async () => {
    server = createServer((request, response) => {
      servedBy.set(request.url ?? '', request.socket);
      if (request.url === '/endless') {
        // Never ends: a download refused part-way leaves its connection mid-response.
        response.writeHead(200, { 'content-type': 'image/png' });
        const timer = setInterval(() => response.write(Buffer.alloc(64)), 5);
        response.on('close', () => clearInterval(timer));
        return;
      }
      response.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from('png bytes'));
    });
    server.on('connection', (socket) => connections.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  it('reuses a connection for the next download from the same origin, never one left mid-response, and closes them all', async () => {
    const fetcher = createSafeFetcher({ allowPrivate: true, maxBytes: 100 });
    connections.length = 0;
    expect((await fetcher.fetch(`${base}/a.png`)).bytes.toString()).toBe('png bytes');
    // The connection goes back to the pool once undici has finished with the response, a moment later.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await fetcher.fetch(`${base}/b.png`)).bytes.toString()).toBe('png bytes');
    expect(connections).toHaveLength(1);
    expect(servedBy.get('/b.png')).toBe(servedBy.get('/a.png'));

    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await failureOf(fetcher.fetch(`${base}/endless`))).toEqual({ kind: 'too-large', maxBytes: 100 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await fetcher.fetch(`${base}/c.png`)).bytes.toString()).toBe('png bytes');
    expect(servedBy.get('/c.png'), 'the download refused mid-response took its connection with it').not.toBe(servedBy.get('/endless'));
    await vi.waitFor(() => expect(servedBy.get('/endless')!.destroyed).toBe(true));

    await fetcher.close();
    await vi.waitFor(() => expect(connections.every((socket) => socket.destroyed)).toBe(true));
  });

  it('still checks every new connection: a private address is refused without allowPrivate', async () => {
    const fetcher = createSafeFetcher();
    expect(await failureOf(fetcher.fetch(`${base}/a.png`))).toEqual({ kind: 'private-address' });
    await fetcher.close();
  });
});
