import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, RequestTimeoutError, ResponseTooLargeError } from '../../src/client/index.js';

/** A store that answers too much or too slowly: `timeoutMs` and `maxResponseBytes` bound what the client waits for and holds. */
describe('the client against a store that answers too much or too slowly', () => {
  let server: Server;
  let base: string;
  let sentBytes = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/openapi/2022-01/products/count') {
        // A drip: one byte of a valid answer now and then, never finishing within the deadline.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{');
        const timer = setInterval(() => res.write(' '), 200);
        res.on('close', () => clearInterval(timer));
      } else if (req.url === '/openapi/2022-01/products') {
        // Endless without a Content-Length: only reading it shows its size.
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = () => {
          while (!res.destroyed && res.write(chunk)) sentBytes += chunk.length;
        };
        res.on('drain', pump);
        pump();
      } else {
        const body = `{"count":1${' '.repeat(2000)}}`;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('gives up on an answer that drips past timeoutMs, body included', async () => {
    const started = Date.now();
    const error = await createClient({ baseUrl: base, token: 't', timeoutMs: 600 }).products.count().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error).toMatchObject({ timeoutMs: 600, url: `${base}/openapi/2022-01/products/count` });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stops reading an endless answer at maxResponseBytes, without holding it', async () => {
    const error = await createClient({ baseUrl: base, token: 't', maxResponseBytes: 1024 * 1024 }).products.list().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error).toMatchObject({ maxBytes: 1024 * 1024 });
    // The server could only write as far as the client read and the sockets buffer: far short of "endless".
    expect(sentBytes).toBeLessThan(16 * 1024 * 1024);
  });

  it('refuses a declared Content-Length over the bound before reading, and takes one within it', async () => {
    await expect(createClient({ baseUrl: base, token: 't', maxResponseBytes: 1000 }).images.count('p1')).rejects.toBeInstanceOf(ResponseTooLargeError);
    expect(await createClient({ baseUrl: base, token: 't', maxResponseBytes: 4000 }).images.count('p1')).toBe(1);
  });
});
