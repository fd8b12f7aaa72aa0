import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminAuth } from '../../src/domain/admin-auth.js';
import { systemClock } from '../../src/domain/clock.js';
import { buildApp } from '../../src/server/build-app.js';
import { ImportJobs } from '../../src/server/admin/import-jobs.js';
import { ImportJournal } from '../../src/storage/import-journal.js';
import { KyselyAdminKeyRepository } from '../../src/storage/admin-key-repository.js';
import type { Database } from '../../src/storage/database.js';
import { makeJpeg, makePng } from '../imaging/fixtures/images.js';
import { type Origin, type Route, send, startOrigin } from '../imaging/fixtures/origin-server.js';
import { startApi, type TestApi } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';
import { waitsTimeout, within } from '../support/waiting.js';

const API = '/__prodimg/admin/api';

/**
 * Import and export from the admin page's endpoints, over real HTTP, against a real server whose
 * image rows are downloaded from a local origin: upload, progress, report, export, and refusals.
 */
describe.each(DIALECTS)('import and export through the admin endpoints on %s', (dialect) => {
  let api: TestApi;
  let origin: Origin;
  let admin: AdminClient;
  let shopId: string;
  const call: AdminClient['call'] = (...args) => admin.call(...args);
  const ended = (id: string) => admin.ended(shopId, id);

  beforeAll(async () => {
    origin = await startOrigin({ '/red.jpg': send(await makeJpeg(120, 90), 'image/jpeg'), '/green.png': send(await makePng(80, 60), 'image/png') });
    api = await startApi(dialect, { env: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1' } });
    admin = await signedIn(api.base, api.db.database);
    shopId = (await api.shops.list()).find((shop) => shop.subdomain === 'alpha')!.id;
  });
  afterAll(async () => {
    await api?.close();
    await origin?.close();
  });

  it('imports an uploaded CSV in the background, reports the bad row by its line, and exports what it made', async () => {
    const file = csv([
      ['Handle', 'Title', 'Image Src', 'Image Alt Text'],
      ['linen-towel', 'Linen Towel', origin.url('/red.jpg'), 'Red towel'],
      ['linen-towel', '', origin.url('/green.png'), 'Green towel'],
      ['mug', 'Mug', origin.url('/missing.jpg'), ''],
      ['cap', 'Cap', '', ''],
    ]);
    const started = await call('POST', `/stores/${shopId}/imports`, { body: file, type: 'text/csv' });
    expect(started.status).toBe(202);
    expect(started.json()).toMatchObject({ id: expect.any(String), state: 'running', report: false });
    const job = await ended(started.json().id);
    expect(job).toMatchObject({ state: 'finished', message: null, done: 3, total: 3, created: 2, updated: 0, failed: 1, failed_rows: 1, report: true });
    // The upload itself is gone once applied; only the report waits in the data directory.
    expect(await readdir(join(api.config.dataDir, 'imports'))).toEqual([`${job.id}.report.csv`]);

    const report = await call('GET', `/stores/${shopId}/imports/${job.id}/report`);
    expect(report.status).toBe(200);
    expect(report.headers['content-disposition']).toBe('attachment; filename="alpha-import-report.csv"');
    const [header, ...lines] = report.text.trim().split('\n');
    expect(header).toBe('line,handle,reason');
    expect(lines).toEqual([expect.stringMatching(/^4,mug,.*could not be downloaded: the server answered 404/)]);

    const listed = (await api.call('GET', 'products?fields=title,handle,images')).json().products as Array<{ handle: string; images: Array<{ alt: string; width: number }> }>;
    const towel = listed.find((product) => product.handle === 'linen-towel')!;
    expect(towel.images.map((image) => [image.alt, image.width])).toEqual([['Red towel', 120], ['Green towel', 80]]);
    expect(listed.map((product) => product.handle).sort()).toEqual(['cap', 'linen-towel']);

    // The export, streamed as a download, reads back in: the same products, updated, nothing failed.
    const exported = await call('GET', `/stores/${shopId}/export?format=csv`);
    expect(exported.status).toBe(200);
    expect(exported.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(exported.headers['content-disposition']).toBe('attachment; filename="alpha-products.csv"');
    expect(exported.text.split('\n')[0]).toMatch(/^Handle,Title,/);
    const again = await call('POST', `/stores/${shopId}/imports?format=csv`, { body: exported.text, type: 'application/octet-stream' });
    expect(again.status).toBe(202);
    expect(await ended(again.json().id)).toMatchObject({ state: 'finished', total: 2, created: 0, updated: 2, failed: 0, failed_rows: 0 });
    expect((await api.call('GET', 'products/count')).json().count).toBe(2);

    const jsonl = await call('GET', `/stores/${shopId}/export?format=jsonl`);
    expect(jsonl.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(jsonl.headers['content-disposition']).toBe('attachment; filename="alpha-products.jsonl"');
    const products = jsonl.text.trim().split('\n').map((line) => JSON.parse(line) as { handle: string; images: unknown[] });
    expect(products.map((product) => [product.handle, product.images.length]).sort()).toEqual([['cap', 0], ['linen-towel', 2]]);
  });

  it('says why a file is refused: no format, an empty file, a file it cannot read, an unknown store', async () => {
    const noFormat = await call('POST', `/stores/${shopId}/imports`, { body: 'Handle\nx\n', type: 'text/plain' });
    expect(noFormat.status).toBe(400);
    expect(noFormat.json().errors[0]).toMatch(/format=csv or \?format=jsonl/);
    const untyped = await call('POST', `/stores/${shopId}/imports`, { body: Buffer.from('Handle\nx\n') });
    expect(untyped.status).toBe(400);
    expect(untyped.json().errors[0]).toMatch(/format=csv or \?format=jsonl/);
    // Told by the query, the body's type does not matter.
    const byQuery = await call('POST', `/stores/${shopId}/imports?format=csv`, { body: Buffer.from('Handle,Title\nuntyped,Untyped\n') });
    expect(byQuery.status).toBe(202);
    expect(await ended(byQuery.json().id)).toMatchObject({ state: 'finished', created: 1 });
    const badFormat = await call('POST', `/stores/${shopId}/imports?format=xlsx`, { body: 'x', type: 'text/csv' });
    expect(badFormat.status).toBe(422);
    expect(badFormat.json().errors[0]).toContain('format');
    const empty = await call('POST', `/stores/${shopId}/imports`, { body: '', type: 'text/csv' });
    expect(empty.status).toBe(422);
    expect(empty.json()).toEqual({ errors: [expect.stringContaining('the file is empty')] });
    const unknown = await call('POST', '/stores/00000000-0000-4000-8000-000000000000/imports', { body: 'Handle\n', type: 'text/csv' });
    expect(unknown.status).toBe(404);
    expect((await call('GET', '/stores/00000000-0000-4000-8000-000000000000/export')).status).toBe(404);

    // Broken files are found once it reads them: the job fails with the reason, and nothing is applied.
    const before = (await api.call('GET', 'products/count')).json().count;
    const noHandle = await call('POST', `/stores/${shopId}/imports`, { body: 'Title,Image Src\nMug,\n', type: 'text/csv' });
    expect(noHandle.status).toBe(202);
    expect(await ended(noHandle.json().id)).toMatchObject({ state: 'failed', message: expect.stringContaining('the CSV has no Handle column'), report: false });
    const report = await call('GET', `/stores/${shopId}/imports/${noHandle.json().id}/report`);
    expect(report.status).toBe(422);
    expect(report.json().errors[0]).toContain('no report');
    const brokenQuote = await call('POST', `/stores/${shopId}/imports`, { body: 'Handle,Title\nmug,"Mug\n', type: 'text/csv' });
    expect(await ended(brokenQuote.json().id)).toMatchObject({ state: 'failed', message: expect.stringContaining('cannot read the CSV') });
    expect((await api.call('GET', 'products/count')).json().count).toBe(before);
  });

  it('needs a session for every endpoint and the CSRF token for an upload; a job is seen only under its store', async () => {
    const paths = [`/stores/${shopId}/imports/00000000-0000-4000-8000-000000000000`, `/stores/${shopId}/export`];
    for (const path of paths) expect((await call('GET', path, { cookie: null })).status).toBe(401);
    expect((await call('POST', `/stores/${shopId}/imports`, { cookie: null, body: 'Handle\nx\n', type: 'text/csv' })).status).toBe(401);
    const forged = await call('POST', `/stores/${shopId}/imports`, { csrf: null, body: 'Handle,Title\nforged,Forged\n', type: 'text/csv' });
    expect(forged.status).toBe(403);
    expect(forged.json().errors[0]).toContain('X-CSRF-Token');

    const started = await call('POST', `/stores/${shopId}/imports`, { body: 'Handle,Title\nsock,Sock\n', type: 'text/csv' });
    const job = await ended(started.json().id);
    expect(job.state).toBe('finished');
    const other = (await api.shops.create('beta', { name: 'Beta' })).id;
    expect((await call('GET', `/stores/${other}/imports/${job.id}`)).status).toBe(404);
    expect((await call('GET', `/stores/${other}/imports/${job.id}/report`)).status).toBe(404);
    expect((await call('GET', `/stores/${shopId}/imports/${job.id}/report`)).status).toBe(200);
    const products = (await api.call('GET', 'products?fields=handle')).json().products as Array<{ handle: string }>;
    expect(products.map((product) => product.handle)).not.toContain('forged');
  });
});

describe.each(DIALECTS)('an import cut short by closing the server, on %s', (dialect) => {
  it('closing stops the import after the products under way and waits for them; the same file uploaded to the next server continues it', async () => {
    // The origin holds its answers until told: the first two downloads are under way when the server closes.
    const held: Array<() => void> = [];
    let holding = true;
    let twoHeld: () => void = () => {};
    const underWay = new Promise<void>((resolve) => (twoHeld = resolve));
    const png = await makePng(50, 50);
    const hold = (): Route => (request, response) => {
      const answer = () => send(png, 'image/png')(request, response);
      if (!holding) return answer();
      held.push(answer);
      if (held.length === 2) twoHeld();
    };
    const handles = ['one', 'two', 'three', 'four'];
    const origin = await startOrigin(Object.fromEntries(handles.map((handle) => [`/${handle}.png`, hold()])));
    const first = await startApi(dialect, { env: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1' } });
    let second: FastifyInstance | undefined;
    try {
      const shopId = (await first.shops.list()).find((shop) => shop.subdomain === 'alpha')!.id;
      const file = csv([['Handle', 'Title', 'Image Src'], ...handles.map((handle) => [handle, handle, origin.url(`/${handle}.png`)])]);
      const admin = await signedIn(first.base, first.db.database);
      expect((await admin.call('POST', `/stores/${shopId}/imports`, { body: file, type: 'text/csv' })).status).toBe(202);
      await within(underWay, 'two downloads under way');
      let closed = false;
      const closing = first.app.close().then(() => (closed = true));
      // Closing waits for the products under way: the database stays open under them.
      await new Promise((resolve) => setImmediate(resolve));
      expect(closed).toBe(false);
      holding = false;
      for (const answer of held) answer();
      await within(closing, 'the server to close');
      const count = async () => Number((await first.db.database.db.selectFrom('products').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      expect(await count()).toBe(2);

      second = await buildApp({ config: first.config, database: first.db.database });
      await second.listen({ host: '127.0.0.1', port: 0 });
      const again = await signedIn(`http://127.0.0.1:${(second.server.address() as AddressInfo).port}`, first.db.database);
      const started = await again.call('POST', `/stores/${shopId}/imports`, { body: file, type: 'text/csv' });
      // The counts cover the whole run: two products settled by the first server, two by this one.
      expect(await again.ended(shopId, started.json().id)).toMatchObject({ state: 'finished', total: 4, done: 4, resumed: 2, created: 4, failed: 0 });
      expect(await count()).toBe(4);
      const open = await first.db.database.db.selectFrom('import_runs').select('id').where('finished_at', 'is', null).execute();
      expect(open).toEqual([]);
    } finally {
      await second?.close();
      await first.db.drop();
      await origin.close();
    }
  }, waitsTimeout(4));
});

describe('ImportJobs', () => {
  it('refuses a file over its bound, announced or not, and keeps nothing of it; removes leftovers older than a day', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'prodimg-import-jobs-'));
    try {
      // The bound is checked before anything else is used: no store, database or library is needed to refuse.
      const jobs = new ImportJobs({ dir, maxBytes: 1000, concurrency: 1, clock: systemClock, logger: undefined as never, products: undefined as never, journal: undefined as unknown as ImportJournal, blobs: undefined as never });
      const wire = { cdnBase: '//localhost/cdn', ownBases: ['//localhost/cdn'] };
      const start = (bytes: number, length: number | undefined) => jobs.start({ shopId: 'shop', format: 'csv', body: Readable.from([Buffer.alloc(bytes, 'a')]), length, wire });
      // What a crash left two days ago goes with the first upload; what another process wrote today stays.
      await writeFile(join(dir, 'crashed.csv'), 'Handle\n');
      const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
      await utimes(join(dir, 'crashed.csv'), twoDaysAgo, twoDaysAgo);
      await writeFile(join(dir, 'busy.csv'), 'Handle\n');
      await expect(start(1001, 1001)).rejects.toMatchObject({ code: 'PayloadTooLarge', messages: [expect.stringContaining('larger than 1000 bytes')] });
      await expect(start(1001, undefined)).rejects.toMatchObject({ code: 'PayloadTooLarge' });
      expect(await readdir(dir)).toEqual(['busy.csv']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

interface AdminClient {
  /** A request as the admin page sends it: the session's cookie and CSRF token unless told otherwise (null: none). */
  call(method: string, path: string, options?: { body?: Buffer | string; type?: string; csrf?: string | null; cookie?: string | null }): Promise<{ status: number; headers: Record<string, unknown>; text: string; json(): any }>;
  /** Polls the job, as the page does, until it is no longer running. */
  ended(shopId: string, id: string): Promise<any>;
}

/** Signs in to the admin API at `base` with a new key. */
async function signedIn(base: string, database: Database): Promise<AdminClient> {
  const { key } = await new AdminAuth(new KyselyAdminKeyRepository(database.db), systemClock).createKey('tests');
  const answer = await request(`${base}${API}/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key }) });
  const session = { cookie: String(answer.headers['set-cookie']).split(';')[0]!, csrf: ((await answer.body.json()) as { csrf_token: string }).csrf_token };
  const call: AdminClient['call'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = {};
    const cookie = options.cookie === undefined ? session.cookie : options.cookie;
    const csrf = options.csrf === undefined ? session.csrf : options.csrf;
    if (cookie) headers.cookie = cookie;
    if (csrf && method !== 'GET') headers['x-csrf-token'] = csrf;
    if (options.type) headers['content-type'] = options.type;
    const response = await request(base + API + path, { method: method as 'GET', headers, ...(options.body !== undefined ? { body: options.body } : {}) });
    const text = await response.body.text();
    return { status: response.statusCode, headers: response.headers, text, json: () => JSON.parse(text) };
  };
  const ended = (shopId: string, id: string) =>
    within(
      (async () => {
        for (;;) {
          const job = (await call('GET', `/stores/${shopId}/imports/${id}`)).json();
          if (job.state !== 'running') return job;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      })(),
      `import ${id} to end`,
    );
  return { call, ended };
}

/** A CSV file of these rows (the first is the header). */
function csv(rows: string[][]): string {
  return `${rows.map((row) => row.map((cell) => (/[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell)).join(',')).join('\n')}\n`;
}
