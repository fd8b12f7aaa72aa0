import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminAuth } from '../../src/domain/admin-auth.js';
import { systemClock } from '../../src/domain/clock.js';
import { ImportJobs } from '../../src/server/admin/import-jobs.js';
import { ImportJournal } from '../../src/storage/import-journal.js';
import { KyselyAdminKeyRepository } from '../../src/storage/admin-key-repository.js';
import { makeJpeg, makePng } from '../imaging/fixtures/images.js';
import { type Origin, send, startOrigin } from '../imaging/fixtures/origin-server.js';
import { startApi, type TestApi } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';
import { within } from '../support/waiting.js';

const API = '/__prodimg/admin/api';

/**
 * Import and export from the admin page's endpoints, over real HTTP, against a real server whose
 * image rows are downloaded from a local origin: upload, progress, report, export, and refusals.
 */
describe.each(DIALECTS)('import and export through the admin endpoints on %s', (dialect) => {
  let api: TestApi;
  let origin: Origin;
  let session: { cookie: string; csrf: string };
  let shopId: string;

  const call = async (method: string, path: string, options: { body?: Buffer | string; type?: string; csrf?: string | null; cookie?: string | null } = {}) => {
    const headers: Record<string, string> = {};
    const cookie = options.cookie === undefined ? session.cookie : options.cookie;
    const csrf = options.csrf === undefined ? session.csrf : options.csrf;
    if (cookie) headers.cookie = cookie;
    if (csrf && method !== 'GET') headers['x-csrf-token'] = csrf;
    if (options.type) headers['content-type'] = options.type;
    const response = await request(api.base + API + path, { method: method as 'GET', headers, ...(options.body !== undefined ? { body: options.body } : {}) });
    const text = await response.body.text();
    return { status: response.statusCode, headers: response.headers, text, json: () => JSON.parse(text) };
  };
  /** Polls the job, as the page does, until it is no longer running. */
  const ended = (id: string) =>
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
  const csv = (rows: string[][]) => `${rows.map((row) => row.map((cell) => (/[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell)).join(',')).join('\n')}\n`;

  beforeAll(async () => {
    origin = await startOrigin({ '/red.jpg': send(await makeJpeg(120, 90), 'image/jpeg'), '/green.png': send(await makePng(80, 60), 'image/png') });
    api = await startApi(dialect, { env: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1' } });
    const { key } = await new AdminAuth(new KyselyAdminKeyRepository(api.db.database.db), systemClock).createKey('tests');
    const signedIn = await request(`${api.base}${API}/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key }) });
    session = { cookie: String(signedIn.headers['set-cookie']).split(';')[0]!, csrf: ((await signedIn.body.json()) as { csrf_token: string }).csrf_token };
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

describe('ImportJobs', () => {
  it('refuses a file over its bound, announced or not, and keeps nothing of it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'prodimg-import-jobs-'));
    try {
      // The bound is checked before anything else is used: no store, database or library is needed to refuse.
      const jobs = new ImportJobs({ dir, maxBytes: 1000, concurrency: 1, clock: systemClock, logger: undefined as never, products: undefined as never, journal: undefined as unknown as ImportJournal, blobs: undefined as never });
      const wire = { cdnBase: '//localhost/cdn', ownBases: ['//localhost/cdn'] };
      const start = (bytes: number, length: number | undefined) => jobs.start({ shopId: 'shop', format: 'csv', body: Readable.from([Buffer.alloc(bytes, 'a')]), length, wire });
      await expect(start(1001, 1001)).rejects.toMatchObject({ code: 'PayloadTooLarge', messages: [expect.stringContaining('larger than 1000 bytes')] });
      await expect(start(1001, undefined)).rejects.toMatchObject({ code: 'PayloadTooLarge' });
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
