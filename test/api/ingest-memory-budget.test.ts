import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/imaging/blob-store.js';
import { openBlobStore } from '../../src/open-blob-store.js';
import { makeNoise } from '../imaging/fixtures/images.js';
import { type Origin, type Route, send, startOrigin } from '../imaging/fixtures/origin-server.js';
import { startApi, type TestApi } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
const MIB = 1024 * 1024;

/** A route that answers only once opened, and tells when it was asked. */
function gate(body: Buffer) {
  let open!: () => void;
  let asked!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const requested = new Promise<void>((resolve) => (asked = resolve));
  const route: Route = (request, response) => {
    asked();
    void opened.then(() => send(body, 'image/png')(request, response));
  };
  return { route, open, requested };
}

/** One sample of a metric by its full name (with labels), from the /metrics text. */
function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no ${name} in /metrics`);
  return Number(line.slice(name.length + 1));
}

describe.each(DIALECTS)('bounded memory for checked files waiting for their rows, on %s', (dialect) => {
  let api: TestApi;
  let blobs: BlobStore;
  let origin: Origin;
  let spoolDir: string;
  // About 300 KiB each, incompressible: three fit in the 1 MiB budget, a fourth does not.
  let photos: Buffer[];
  let big: Buffer;
  const held = [] as Array<ReturnType<typeof gate>>;

  const metrics = async () => (await api.call('GET', '/metrics')).body;
  const spooled = async () => readdir(spoolDir).catch(() => []);

  beforeAll(async () => {
    photos = await Promise.all(Array.from({ length: 5 }, () => makeNoise(300, 340).png().toBuffer()));
    big = await makeNoise(700, 600).png().toBuffer();
    held.push(gate(photos[0]!), gate(big));
    const routes: Record<string, Route> = { '/held-0.png': held[0]!.route, '/held-big.png': held[1]!.route };
    photos.forEach((bytes, i) => (routes[`/photo-${i}.png`] = send(bytes, 'image/png')));
    origin = await startOrigin(routes);
    api = await startApi(dialect, { env: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1', PRODIMG_INGEST_KEEP_MB: '1' } });
    blobs = openBlobStore(api.config, api.db.database);
    spoolDir = join(api.config.dataDir, 'spool');
  });
  afterAll(async () => {
    for (const { open } of held) open();
    await api?.close();
    await origin?.close();
  });

  it('holds at most the budget in memory while a body waits to commit, spools the rest, and restores every file deleted before the commit (regression: a body held all its files in memory)', async () => {
    const srcs = [...photos.slice(1).map((_, i) => origin.url(`/photo-${i + 1}.png`)), origin.url('/held-0.png')];
    const before = metric(await metrics(), 'prodimg_queue_started_total{queue="download"}');
    const creating = api.call('POST', 'products', { product: { title: 'Many', images: srcs.map((src) => ({ src })) } });
    await held[0]!.requested;
    // Every download but the held one has finished: its file is checked, stored and kept.
    await expect
      .poll(async () => {
        const text = await metrics();
        return [metric(text, 'prodimg_queue_started_total{queue="download"}') - before, metric(text, 'prodimg_queue_running{queue="download"}')];
      }, { timeout: 60_000 })
      .toEqual([5, 1]);
    const text = await metrics();
    expect(metric(text, 'prodimg_ingest_kept_memory_bytes')).toBeGreaterThan(0);
    expect(metric(text, 'prodimg_ingest_kept_memory_bytes')).toBeLessThanOrEqual(1 * MIB);
    expect(metric(text, 'prodimg_ingest_kept_spooled_files')).toBe(1);
    expect(await spooled()).toHaveLength(1);

    // A concurrent release of the same content removes the stored files before this body commits.
    const names = photos.slice(1).map((bytes) => `${md5(bytes)}.png`);
    for (const name of names) await blobs.deleteFamily(name.slice(0, 32));
    held[0]!.open();
    const created = await creating;
    expect(created.statusCode).toBe(200);
    // Compared by hash: a deep equality of 300 KiB buffers takes seconds.
    for (const name of names) expect(md5((await blobs.get(name)) ?? Buffer.alloc(0))).toBe(name.slice(0, 32));

    await expect.poll(spooled, { timeout: 10_000 }).toEqual([]);
    const after = await metrics();
    expect(metric(after, 'prodimg_ingest_kept_memory_bytes')).toBe(0);
    expect(metric(after, 'prodimg_ingest_kept_spooled_files')).toBe(0);
    // Two: one of the four, and the held one's, which came last.
    expect(metric(after, 'prodimg_ingest_spooled_total')).toBe(2);
  });

  it('lets every kept file go when a body fails (one source refused): nothing left in memory or in the spool', async () => {
    const srcs = [...photos.map((_, i) => origin.url(`/photo-${i}.png`)), origin.url('/missing.png')];
    const res = await api.call('POST', 'products', { product: { title: 'Failing', images: srcs.map((src) => ({ src })) } });
    expect(res.statusCode).toBe(422);
    await expect.poll(spooled, { timeout: 10_000 }).toEqual([]);
    expect(metric(await metrics(), 'prodimg_ingest_kept_memory_bytes')).toBe(0);
    expect(metric(await metrics(), 'prodimg_ingest_kept_spooled_files')).toBe(0);
  });

  it('lets a spooled file go when its product went away during the download', async () => {
    const { id } = await api.product();
    const spooledBefore = metric(await metrics(), 'prodimg_ingest_spooled_total');
    const adding = api.call('POST', `products/${id}/images`, { image: { src: origin.url('/held-big.png') } });
    await held[1]!.requested;
    expect((await api.call('DELETE', `products/${id}`)).statusCode).toBe(200);
    held[1]!.open();
    const added = await adding;
    expect([added.statusCode, added.json()]).toEqual([422, { errors: ['Record not found'] }]);
    // Larger than the whole budget: it went to the spool, and is gone from it.
    expect(metric(await metrics(), 'prodimg_ingest_spooled_total')).toBe(spooledBefore + 1);
    await expect.poll(spooled, { timeout: 10_000 }).toEqual([]);
    expect(metric(await metrics(), 'prodimg_ingest_kept_memory_bytes')).toBe(0);
  });
});

describe('spool leftovers of a crash', () => {
  it('are removed by the start-up sweep; a younger file (another process sharing the data directory) is left', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'prodimg-spool-'));
    const spoolDir = join(dataDir, 'spool');
    await mkdir(spoolDir);
    const stale = `${Date.now() - 2 * 3600_000}-${randomUUID()}`;
    const young = `${Date.now()}-${randomUUID()}`;
    await Promise.all([stale, young].map((name) => writeFile(join(spoolDir, name), 'kept bytes')));
    const api = await startApi('sqlite', { env: { PRODIMG_DATA_DIR: dataDir, PRODIMG_STARTUP_SWEEP: '1' } });
    try {
      await expect.poll(() => readdir(spoolDir), { timeout: 10_000 }).toEqual([young]);
    } finally {
      await api.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
