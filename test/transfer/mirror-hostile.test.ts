import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Shop } from '../../src/domain/entities.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { waitsTimeout } from '../support/waiting.js';
import { createStores, cliEnv, prodimg } from './transfer-cli.js';

/** What the source answers for a page of `GET /products`, given its query; or it writes the answer itself. */
type Listing = (query: URLSearchParams, res: ServerResponse) => { products: unknown[]; cursor: string } | void;

const PRODUCTS = '/openapi/2022-01/products';
const product = (handle: string) => ({ handle, title: handle.toUpperCase(), updated_at: '2026-01-01T00:00:00Z' });

/**
 * A source store that breaks the rules a mirror relies on: a page too large, a cursor that comes
 * back, cursors that never end, an answer that drips, a redirect to another origin. Each pass must
 * end with exit code 1 and one line, leave the saved point as it was, and prune nothing.
 */
describe.each(DIALECTS)('prodimg mirror from a hostile source, into %s', (dialect) => {
  let server: Server;
  let base: string;
  let elsewhere: Server;
  let elsewhereBase: string;
  const elsewhereSeen: IncomingHttpHeaders[] = [];
  let db: TestDatabase;
  let shop: Shop;
  let env: Record<string, string>;
  let count = 1;
  let listing: Listing = () => ({ products: [product('p1')], cursor: '' });
  let sourceDate = 'Thu, 01 Jan 2026 00:00:10 GMT';
  /** Bytes a streamed answer got written before the mirror hung up. */
  let written = 0;

  const mirror = (...args: string[]) => prodimg(['mirror', '--from', base, '--shop', 'copy', '--prune', '--quiet', ...args], env);
  const savedState = () => db.database.db.selectFrom('mirror_sources').selectAll().execute();
  const localHandles = async () => (await db.database.db.selectFrom('products').select('handle').where('shop_id', '=', shop.id).orderBy('handle').execute()).map((row) => row.handle);

  beforeAll(async () => {
    elsewhere = createServer((req, res) => {
      elsewhereSeen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"count":1}');
    });
    server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://source');
      res.setHeader('date', sourceDate);
      if (url.pathname === `${PRODUCTS}/count`) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count }));
      } else if (url.pathname === PRODUCTS) {
        const page = listing(url.searchParams, res);
        if (page) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ pre_cursor: '', ...page }));
      } else {
        res.writeHead(404).end();
      }
    });
    for (const s of [server, elsewhere]) await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    elsewhereBase = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
    db = await freshDatabase(dialect);
    env = cliEnv(db, { PRODIMG_MIRROR_TOKEN: 'source-token' });
    [shop] = (await createStores(db, ['copy'])) as [Shop];
    // A local product the source does not have: a finished pass with --prune deletes it, a failed one must not.
    const input = join(db.dataDir, 'local.jsonl');
    writeFileSync(input, `${JSON.stringify({ handle: 'local-only', title: 'Local' })}\n`);
    expect((await prodimg(['import', input, '--shop', 'copy', '--quiet'], env)).status).toBe(0);
    // A sound pass first (without --prune), so there is a saved point to keep.
    const sound = await prodimg(['mirror', '--from', base, '--shop', 'copy', '--quiet'], env);
    expect({ status: sound.status, stderr: sound.stderr }).toEqual({ status: 0, stderr: '' });
    expect(await savedState()).toHaveLength(1);
    sourceDate = 'Fri, 02 Jan 2026 00:00:10 GMT';
  }, waitsTimeout(3));

  afterAll(async () => {
    for (const s of [server, elsewhere]) {
      s?.closeAllConnections();
      await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
    }
    await db?.drop();
  });

  /** Runs a pass that must fail in one line matching `line`, leaving the saved point and the local products as they were. */
  async function failsCleanly(args: string[], line: RegExp): Promise<void> {
    const [stateBefore, handlesBefore] = [await savedState(), await localHandles()];
    expect(handlesBefore).toContain('local-only');
    const run = await mirror(...args);
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 1, stdout: '' });
    expect(run.stderr).toMatch(line);
    expect(run.stderr.split('\n')).toEqual([expect.stringMatching(/^prodimg: /), '']);
    expect(await savedState()).toEqual(stateBefore);
    expect(await localHandles()).toEqual(expect.arrayContaining(['local-only']));
  }

  /** A page of one product whose title is `bytes` long, streamed in chunks as the reader takes them. */
  const hugePage =
    (bytes: number): Listing =>
    (_query, res) => {
      written = 0;
      res.writeHead(200, { 'content-type': 'application/json' });
      const head = '{"cursor":"","products":[{"handle":"huge","title":"';
      const chunk = Buffer.alloc(256 * 1024, 'x');
      res.write(head);
      const pump = () => {
        while (!res.destroyed && written < bytes) {
          written += chunk.length;
          if (!res.write(chunk)) return;
        }
        if (!res.destroyed) res.end('"}]}');
      };
      res.on('drain', pump);
      pump();
    };

  it('a page larger than --max-page-mib: refused once the bound is passed, not read whole', async () => {
    listing = hugePage(3 * 1024 * 1024);
    await failsCleanly(['--max-page-mib', '1'], new RegExp(`^prodimg: ${base} answered more than 1 MiB at once: refused \\(--max-page-mib\\)\\n$`));
  }, waitsTimeout(1));

  it('a page of 64 MiB against the default bound of 32 MiB: the mirror hangs up well before its end', async () => {
    listing = hugePage(64 * 1024 * 1024);
    await failsCleanly([], /answered more than 32 MiB at once/);
    expect(written).toBeLessThan(48 * 1024 * 1024);
  }, waitsTimeout(1));

  it('a cursor that comes back (A, B, A) in the listing a prune reads: fails, nothing pruned', async () => {
    count = 3;
    listing = (query) => {
      if (query.get('fields') !== 'handle') return { products: [product('p1')], cursor: '' };
      const next: Record<string, string> = { '': 'A', A: 'B', B: 'A' };
      return { products: [{ handle: `h-${query.get('cursor') ?? ''}` }], cursor: next[query.get('cursor') ?? '']! };
    };
    await failsCleanly([], new RegExp(`^prodimg: ${base} answered the cursor "A" a second time, after 3 pages: its listing goes round in a circle\\n$`));
  }, waitsTimeout(1));

  it('new cursors without end, far beyond what the count implies: fails after the bound', async () => {
    count = 2;
    let pages = 0;
    listing = (query) => {
      pages += 1;
      const at = Number(query.get('cursor') ?? '0');
      return { products: [product(`p${at}`)], cursor: String(at + 1) };
    };
    // 2 products at 50 a page: 1 page; the bound is twice that and ten more.
    await failsCleanly([], new RegExp(`^prodimg: ${base} listed 12 pages of 50 and still answered a next cursor, for 2 products: its listing does not end\\n$`));
    expect(pages).toBe(12);
  }, waitsTimeout(1));

  it('an answer that drips a byte every 2 s: --timeout 2 ends it', async () => {
    count = 1;
    listing = (_query, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
      const timer = setInterval(() => res.write(' '), 2000);
      res.on('close', () => clearInterval(timer));
    };
    const started = Date.now();
    await failsCleanly(['--timeout', '2'], new RegExp(`^prodimg: ${base} did not answer whole within 2 s \\(--timeout\\)\\n$`));
    expect(Date.now() - started).toBeLessThan(60_000);
  }, waitsTimeout(1));

  it('a redirect to another origin: refused, naming the Location; the token never arrives there', async () => {
    listing = (_query, res) => {
      res.writeHead(302, { location: `${elsewhereBase}/collect` }).end();
    };
    await failsCleanly([], new RegExp(`^prodimg: ${base} redirected to ${elsewhereBase}/collect: refused, another origin than ${base}`));
    expect(elsewhereSeen).toEqual([]);
  }, waitsTimeout(1));

  it('a product nested 100,000 deep: what is not a product field is ignored, and the pass goes on', async () => {
    count = 1;
    listing = (_query, res) => {
      // Written by hand: JSON.stringify itself recurses.
      const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
      res.writeHead(200, { 'content-type': 'application/json' }).end(`{"cursor":"","products":[{"handle":"deep","title":"Deep","tags":["a",${deep}],"extra":${deep}}]}`);
    };
    const run = await prodimg(['mirror', '--from', base, '--shop', 'copy', '--full', '--quiet'], env);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({ fetched: 1, failed: 0 });
    expect(await localHandles()).toContain('deep');
  }, waitsTimeout(1));

  it('a product of the source that fails is counted in words: "1 product failed"', async () => {
    count = 2;
    listing = () => ({ products: [product('p1'), { title: 'No handle', updated_at: '2026-01-01T00:00:00Z' }], cursor: '' });
    const run = await prodimg(['mirror', '--from', base, '--shop', 'copy'], env);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^prodimg mirror: 1 product failed, first : handle is missing: products are matched by handle$/m);
  }, waitsTimeout(1));

  it('--timeout and --max-page-mib take whole numbers in range, refused in one line otherwise', async () => {
    for (const [args, message] of [
      [['--timeout', '0'], '--timeout must be an integer from 1 to 3600, got "0"'],
      [['--max-page-mib', '2GB'], '--max-page-mib must be an integer from 1 to 1024, got "2GB"'],
    ] as const) {
      const run = await mirror(...args);
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 2, stderr: `prodimg: ${message}\n` });
    }
  }, waitsTimeout(2));
});
