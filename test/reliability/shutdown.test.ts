import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import sharp from 'sharp';
import { Agent, Client, type Dispatcher, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DialectName } from '../../src/storage/dialect-name.js';
import { openDatabase } from '../../src/storage/database.js';
import { type Origin, type Route, send, startOrigin } from '../imaging/fixtures/origin-server.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { cliEnv, createShopToken, type ServeProcess, startServe } from './support-server.js';
import { sendJson, V } from './support-workload.js';
import { WAIT_MS, waitsTimeout } from '../support/waiting.js';

/**
 * SIGTERM while requests are in flight: a download-and-store ingestion, an update that re-ingests,
 * and a slow upload. The server must finish each one (200, with the measured size), refuse new
 * connections, exit 0 within a few seconds and leave a consistent database and blob store behind.
 */

const EXIT_WITHIN_MS = 5_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Png {
  bytes: Buffer;
  width: number;
  height: number;
  name: string;
}

async function png(width: number, height: number, background: string): Promise<Png> {
  const bytes = await sharp({ create: { width, height, channels: 3, background } }).png().toBuffer();
  return { bytes, width, height, name: `${createHash('md5').update(bytes).digest('hex')}.png` };
}

/** Answers with the file after `delayMs`, like a slow image host. */
const slowly =
  (file: Png, delayMs: number): Route =>
  (request, response) => {
    const timer = setTimeout(() => send(file.bytes, 'image/png')(request, response), delayMs);
    response.on('close', () => clearTimeout(timer));
  };

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  at: number;
}

/** A POST whose JSON body leaves in `pieces` parts `gapMs` apart, on its own connection. */
function trickledPost(base: string, path: string, token: string, body: string, pieces: number, gapMs: number) {
  let sentFirst!: () => void;
  const firstPieceSent = new Promise<void>((resolve) => (sentFirst = resolve));
  const answer = new Promise<Answer>((resolve, reject) => {
    const req = httpRequest(`${base}${V}/${path}`, {
      method: 'POST',
      agent: false,
      headers: { 'access-token': token, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text), at: Date.now() }));
    });
    req.on('error', reject);
    const size = Math.ceil(body.length / pieces);
    const write = (i: number) => {
      req.write(body.slice(i * size, (i + 1) * size));
      if (i === 0) sentFirst();
      if (i + 1 < pieces) setTimeout(() => write(i + 1), gapMs);
      else req.end();
    };
    write(0);
  });
  return { firstPieceSent, answer };
}

/** One request on a brand-new connection: its status, or the connection error's code. */
async function freshConnection(base: string, token: string): Promise<string> {
  const client = new Client(base);
  try {
    const res = await request(`${base}${V}/products/count`, { dispatcher: client, headers: { 'access-token': token } });
    await res.body.text();
    return String(res.statusCode);
  } catch (err) {
    const error = err as Error & { code?: string; cause?: { code?: string } };
    return error.code ?? error.cause?.code ?? error.name;
  } finally {
    await client.destroy();
  }
}

/**
 * One TCP connection speaking HTTP/1.1 by hand, so a second request can be sent behind a first one
 * still in flight (pipelining), which no pooling client does. `responses` resolves, parsed, once the
 * server closes the connection.
 */
function rawConnection(base: string) {
  const url = new URL(base);
  const socket = connect(Number(url.port), url.hostname);
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  const responses = new Promise<Array<{ status: number; headers: Record<string, string>; body: string }>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`connection still open after ${WAIT_MS} ms; got ${received}`)), WAIT_MS);
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const parsed = [];
      let rest = received;
      while (rest.startsWith('HTTP/1.1 ')) {
        const headEnd = rest.indexOf('\r\n\r\n');
        const [statusLine, ...lines] = rest.slice(0, headEnd).split('\r\n');
        const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
        const length = Number(headers['content-length'] ?? 0);
        parsed.push({ status: Number(statusLine!.split(' ')[1]), headers, body: rest.slice(headEnd + 4, headEnd + 4 + length) });
        rest = rest.slice(headEnd + 4 + length);
      }
      resolve(parsed);
    });
  });
  const send = (method: string, path: string, token: string, body?: string) =>
    socket.write(
      `${method} ${path} HTTP/1.1\r\nHost: ${url.host}\r\nAccess-Token: ${token}\r\n` +
        (body !== undefined ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` : '') +
        `\r\n${body ?? ''}`,
    );
  return { send, responses };
}

async function json(agent: Dispatcher, base: string, method: string, path: string, token: string, body?: unknown): Promise<Answer> {
  return { ...(await sendJson(agent, base, method, path, token, body)), at: Date.now() };
}

function blobFile(dataDir: string, name: string): string {
  return join(dataDir, 'images', name.slice(0, 2), name);
}

describe('graceful shutdown of `prodimg serve`', () => {
  let origin: Origin;
  let fast: Png;
  let slowA: Png;
  let slowB: Png;

  beforeAll(async () => {
    [fast, slowA, slowB] = await Promise.all([png(16, 16, '#c33'), png(37, 23, '#3a3'), png(29, 41, '#33c')]);
    origin = await startOrigin({
      '/fast.png': send(fast.bytes, 'image/png'),
      '/slow-a.png': slowly(slowA, 1000),
      '/slow-b.png': slowly(slowB, 1300),
    });
  });
  afterAll(async () => {
    await origin?.close();
  });

  /** A fresh database with store "alpha", and the environment that serves it with ingestion on. */
  async function setUp(dialect: DialectName): Promise<{ db: TestDatabase; env: NodeJS.ProcessEnv; token: string }> {
    const db = await freshDatabase(dialect);
    const token = await createShopToken(db.database, 'alpha');
    await db.database.close();
    // Local files on both databases, so the blob store can be checked on disk afterwards.
    const env = cliEnv({
      dataDir: db.dataDir,
      databaseUrl: db.databaseUrl,
      extra: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1', PRODIMG_BLOB_STORE: 'local' },
    });
    return { db, env, token };
  }

  describe.each(DIALECTS.flatMap((dialect) => [1, 2].map((workers) => ({ dialect, workers }))))(
    'on $dialect with --workers $workers',
    ({ dialect, workers }) => {
      let db: TestDatabase;
      let server: ServeProcess;
      afterAll(async () => {
        server?.kill();
        await server?.exited;
        await db?.drop().catch(() => {});
      });

      it('finishes in-flight requests, refuses new connections, exits 0, and leaves a consistent store', async () => {
        const setup = await setUp(dialect);
        db = setup.db;
        const { token } = setup;
        server = await startServe(setup.env, workers > 1 ? ['--workers', String(workers)] : [], workers);
        const { base } = server;

        // Before the signal: a product with one image, stored from the fast origin.
        const setupAgent = new Agent();
        const product = (await json(setupAgent, base, 'POST', 'products', token, { product: { title: 'Drained' } })).body.product;
        const first = await json(setupAgent, base, 'POST', `products/${product.id}/images`, token, { image: { src: origin.url('/fast.png') } });
        expect(first.status).toBe(200);
        await setupAgent.close();

        // In flight at the signal: an ingesting create, a re-ingesting update, and a slow upload.
        const hitsBefore = origin.hits.length;
        const inflight = new Agent({ connections: 4 });
        const create = json(inflight, base, 'POST', `products/${product.id}/images`, token, { image: { src: origin.url('/slow-a.png'), alt: 'in flight' } });
        const update = json(inflight, base, 'PUT', `products/${product.id}/images/${first.body.image.id}`, token, { image: { src: origin.url('/slow-b.png') } });
        const deadline = Date.now() + WAIT_MS;
        while (origin.hits.slice(hitsBefore).filter((path) => path.startsWith('/slow-')).length < 2 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(origin.hits.slice(hitsBefore).sort()).toEqual(['/slow-a.png', '/slow-b.png']);
        // Started last, so its body is still on the way (3 x 300 ms to go) when the signal comes.
        const upload = trickledPost(base, 'products', token, JSON.stringify({ product: { title: 'Uploaded slowly', description: 'x'.repeat(4000) } }), 4, 300);
        await upload.firstPieceSent;
        // Time for the server to read the headers: a connection with no request yet would just be closed.
        await new Promise((resolve) => setTimeout(resolve, 100));

        const signalledAt = Date.now();
        server.child.kill('SIGTERM');
        await server.waitForLog('shutting down: finishing in-flight requests', workers);
        // Let the primary drop the shared listening socket once its workers have closed theirs.
        if (workers > 1) await new Promise((resolve) => setTimeout(resolve, 100));
        const refusedEarly = await freshConnection(base, token);
        // Half-way through the drain, while all three are still running (the origin waits 1 s and more).
        const refusedMid = new Promise((resolve) => setTimeout(resolve, 400)).then(() => freshConnection(base, token));

        const [created, updated, uploaded] = await Promise.all([create, update, upload.answer]);
        // Answers sent; the server still waits for their connections to go.
        const refusedLate = await freshConnection(base, token);
        const refused = [refusedEarly, await refusedMid, refusedLate];
        // Deliberately not closing `inflight` first: the answers closed their connections themselves.
        const exit = await Promise.race([server.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), EXIT_WITHIN_MS + 2_000))]);
        const exitMs = Date.now() - signalledAt;
        await inflight.close();
        const handledBy = new Set(server.logs.filter((entry) => entry.msg === 'request' && entry.status === 200).map((entry) => entry.pid));
        console.log(
          `[shutdown] ${dialect} --workers ${workers}: exit ${JSON.stringify(exit)} ${exitMs} ms after SIGTERM; in-flight answers ` +
            `${created.status}/${updated.status}/${uploaded.status} at +${created.at - signalledAt}/+${updated.at - signalledAt}/+${uploaded.at - signalledAt} ms; ` +
            `new connections: ${refused.join(', ')}; requests answered by ${handledBy.size} pid(s)`,
        );

        expect(created.status, JSON.stringify(created.body)).toBe(200);
        expect(created.body.image).toMatchObject({ width: slowA.width, height: slowA.height, path: slowA.name, alt: 'in flight', position: 2 });
        expect(updated.status, JSON.stringify(updated.body)).toBe(200);
        expect(updated.body.image).toMatchObject({ id: first.body.image.id, width: slowB.width, height: slowB.height, path: slowB.name });
        // Each answer closes its connection, so a pooling client cannot hold the process up.
        for (const answer of [created, updated]) expect(answer.headers.connection).toBe('close');
        expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(200);
        expect(uploaded.body.product.title).toBe('Uploaded slowly');
        // The answers came after the signal: they really were in flight.
        expect(Math.min(created.at, updated.at, uploaded.at)).toBeGreaterThan(signalledAt);
        // Refused, or (a connection the kernel had queued just before the listener closed) reset or
        // closed before any answer; either way the request was never run, as the log shows below.
        for (const outcome of refused) expect(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', '503']).toContain(outcome);

        expect(exit).toEqual({ code: 0, signal: null });
        expect(exitMs).toBeLessThan(EXIT_WITHIN_MS);
        expect(server.logs.filter((entry) => entry.msg === 'stopped')).toHaveLength(workers);
        expect(server.logs.filter((entry) => (entry.level ?? 0) >= 50)).toEqual([]);
        const requests = server.logs.filter((entry) => entry.msg === 'request');
        expect(requests.filter((entry) => entry.status !== 200 && entry.status !== 503)).toEqual([]);
        expect(requests.filter((entry) => String(entry.url).endsWith('/products/count') && entry.status !== 503)).toEqual([]);

        // Afterwards: the rows are there, each names a file that exists with the right bytes, the
        // file the update replaced is gone, and the database file is sound.
        const reopened = await openDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
        try {
          const images = await reopened.db
            .selectFrom('images')
            .select(['id', 'position', 'path', 'width', 'height'])
            .where('product_id', '=', product.id)
            .orderBy('position')
            .execute();
          expect(images).toEqual([
            { id: first.body.image.id, position: 1, path: slowB.name, width: slowB.width, height: slowB.height },
            { id: created.body.image.id, position: 2, path: slowA.name, width: slowA.width, height: slowA.height },
          ]);
          for (const file of [slowA, slowB]) {
            expect(existsSync(blobFile(db.dataDir, file.name)), file.name).toBe(true);
            expect(readFileSync(blobFile(db.dataDir, file.name)).equals(file.bytes)).toBe(true);
          }
          expect(existsSync(blobFile(db.dataDir, fast.name))).toBe(false);
          const products = await reopened.db.selectFrom('products').select('title').orderBy('title').execute();
          expect(products.map((row) => row.title)).toEqual(['Drained', 'Uploaded slowly']);
          if (dialect === 'sqlite') {
            // The file itself, on a connection of its own (its location is the file's path).
            const file = new SQLite(reopened.location, { readonly: true });
            try {
              expect(file.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
              expect(file.pragma('foreign_key_check')).toEqual([]);
            } finally {
              file.close();
            }
          }
        } finally {
          await reopened.close();
        }
      });
    },
  );

  describe('clients that keep their connections open (SQLite, one worker)', () => {
    let db: TestDatabase;
    let server: ServeProcess;
    // A pooling client that never closes its connection, and a raw connection that sends a second
    // request behind its first one (pipelining) after the signal. Both carry a slow ingestion.
    let holder: Client;
    let held: Answer;
    let piped: Array<{ status: number; headers: Record<string, string>; body: string }>;
    let signalledAt = 0;
    beforeAll(async () => {
      const setup = await setUp('sqlite');
      db = setup.db;
      server = await startServe(setup.env);
      holder = new Client(server.base);
      const product = (await json(holder, server.base, 'POST', 'products', setup.token, { product: { title: 'Held' } })).body.product;
      const path = `products/${product.id}/images`;
      const hitsBefore = origin.hits.length;
      const inFlight = json(holder, server.base, 'POST', path, setup.token, { image: { src: origin.url('/slow-a.png') } });
      const pipe = rawConnection(server.base);
      pipe.send('POST', `${V}/${path}`, setup.token, JSON.stringify({ image: { src: origin.url('/slow-b.png') } }));
      const deadline = Date.now() + WAIT_MS;
      while (origin.hits.length - hitsBefore < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      signalledAt = Date.now();
      server.child.kill('SIGTERM');
      await server.waitForLog('shutting down: finishing in-flight requests');
      pipe.send('GET', `${V}/products/count`, setup.token);
      [held, piped] = await Promise.all([inFlight, pipe.responses]);
    }, waitsTimeout(2));
    afterAll(async () => {
      await holder?.destroy();
      server?.kill();
      await server?.exited;
      await db?.drop().catch(() => {});
    });

    it('get their in-flight answers, each closing its connection', () => {
      expect(held.status).toBe(200);
      expect(held.body.image).toMatchObject({ width: slowA.width, height: slowA.height });
      expect(held.headers.connection).toBe('close');
      expect(piped[0]).toMatchObject({ status: 200, headers: { connection: 'close' } });
      expect(JSON.parse(piped[0]!.body).image).toMatchObject({ width: slowB.width, height: slowB.height });
    });

    it('never run a request sent after the signal: it is dropped with its connection, or refused with a contract 503', () => {
      expect(piped.length).toBeLessThanOrEqual(2);
      if (piped[1]) {
        expect(piped[1].status).toBe(503);
        expect(piped[1].headers['request-id']).toMatch(UUID);
        expect(piped[1].headers['content-type']).toBe('application/json; charset=utf-8');
        expect(JSON.parse(piped[1].body)).toEqual({ errors: [expect.any(String)] });
      }
      const counted = server.logs.filter((entry) => entry.msg === 'request' && String(entry.url).endsWith('/products/count'));
      expect(counted.filter((entry) => entry.status !== 503)).toEqual([]);
    });

    it('exit 0 within a few seconds although the pooling client never closes its connection', async () => {
      const left = Math.max(0, signalledAt + EXIT_WITHIN_MS - Date.now());
      const exit = await Promise.race([server.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), left))]);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(server.logs.some((entry) => entry.msg === 'stopped')).toBe(true);
    }, EXIT_WITHIN_MS + 5_000);
  });
});
