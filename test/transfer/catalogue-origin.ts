import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

/** An image host for imports: `/img/<n>.jpg` is a JPEG of its own (its colour and width come from n), `/page/<n>.html` is a web page. */
export interface CatalogueOrigin {
  url(path: string): string;
  /** Requests per path so far. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

export async function startCatalogueOrigin(): Promise<CatalogueOrigin> {
  const made = new Map<number, Promise<Buffer>>();
  const image = (n: number) => {
    if (!made.has(n)) {
      const background = { r: n % 256, g: Math.floor(n / 256) % 256, b: 90 + (Math.floor(n / 65_536) % 100) };
      made.set(n, sharp({ create: { width: 24 + (n % 9), height: 16, channels: 3, background } }).jpeg().toBuffer());
    }
    return made.get(n)!;
  };
  const hits = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const jpeg = /^\/img\/(\d+)\.jpg$/.exec(path);
    if (jpeg) {
      image(Number(jpeg[1])).then(
        (bytes) => response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': bytes.length }).end(bytes),
        () => response.writeHead(500).end(),
      );
      return;
    }
    if (/^\/page\/\d+\.html$/.test(path)) {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>not an image</title>');
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    hits,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on a port nothing listens at (it was free a moment ago): every download from it is refused. */
export async function unreachableUrl(path: string): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}
