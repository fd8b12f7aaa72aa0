import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { ShopService } from '../../src/domain/shop-service.js';
import { createRepositories } from '../../src/storage/repositories.js';
import { htmlPage, pixelBombPng, svgImage, truncatedJpeg } from '../imaging/fixtures/hostile.js';
import { makeNoise } from '../imaging/fixtures/images.js';
import { type Origin, redirect, send, startOrigin, trickle } from '../imaging/fixtures/origin-server.js';
import { freshDatabase, type TestDatabase } from '../support/databases.js';
import { scale } from '../support/stress.js';
import { cliEnv, type ServeProcess, startServe } from './support-server.js';


/** Resident and peak resident memory of a process, in MiB (Linux /proc). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

describe('hostile sources in a burst, against a real server process', () => {
  let db: TestDatabase;
  let origin: Origin;
  let server: ServeProcess;
  let base: string;
  let token: string;
  let productId: string;

  beforeAll(async () => {
    // A 6000x6000 noise JPEG decodes to ~100 MB of pixels: under the limit, so it is really decoded.
    const heavy = await makeNoise(6000, 6000).jpeg({ quality: 40 }).toBuffer();
    origin = await startOrigin({
      '/bomb.png': send(pixelBombPng(), 'image/png'),
      '/wide-bomb.png': send(pixelBombPng(200_000, 1000), 'image/png'),
      '/page.png': send(htmlPage, 'image/png'),
      '/drawing.png': send(svgImage, 'image/png'),
      '/cut.jpg': send(await truncatedJpeg(), 'image/jpeg'),
      '/heavy.jpg': send(heavy, 'image/jpeg'),
      '/slow.png': trickle,
      '/loop-a': redirect('/loop-b'),
      '/loop-b': redirect('/loop-a'),
    });
    db = await freshDatabase('sqlite');
    const repos = createRepositories(db.database);
    const shops = new ShopService(repos.shops, repos.tokens, systemClock);
    await shops.create('hostile');
    token = (await shops.createToken('hostile', ['write_product'])).token;
    server = await startServe(
      cliEnv({
        dataDir: db.dataDir,
        extra: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1', PRODIMG_FETCH_TIMEOUT_MS: '2000', PRODIMG_LOG_LEVEL: 'info' },
      }),
    );
    base = server.base;
    const res = await fetch(`${base}/openapi/2022-01/products`, {
      method: 'POST',
      headers: { 'access-token': token, 'content-type': 'application/json' },
      body: '{"product":{"title":"target"}}',
    });
    productId = (await res.json()).product.id;
  });
  afterAll(async () => {
    server?.kill();
    await origin?.close();
    await db?.drop();
  });

  it('refuses each with its message, keeps memory bounded, and stores nothing', async () => {
    const cases: Array<[string, string]> = [
      ['/bomb.png', 'Src image is too large (maximum is 50 megapixels)'],
      ['/wide-bomb.png', 'Src image is too large (maximum is 50 megapixels)'],
      ['/page.png', 'Src is not a supported image (got text/html)'],
      ['/drawing.png', 'Src is not a supported image (got image/svg+xml)'],
      ['/cut.jpg', 'Src is not a valid image (the file is truncated or corrupt)'],
      ['/slow.png', 'Src could not be downloaded: the download took longer than 2s'],
      ['/loop-a', 'Src could not be downloaded: too many redirects (maximum is 5)'],
    ];
    const before = memoryOf(server.pid);
    const burst = scale(4, 20);
    const post = (path: string) =>
      fetch(`${base}/openapi/2022-01/products/${productId}/images`, {
        method: 'POST',
        headers: { 'access-token': token, 'content-type': 'application/json' },
        body: JSON.stringify({ image: { src: origin.url(path) } }),
      });
    const results = await Promise.all(
      Array.from({ length: burst }, () => cases.map(async ([path, message]) => ({ path, message, res: await post(path) }))).flat(),
    );
    for (const { path, message, res } of results) {
      expect({ path, status: res.status, body: await res.json() }).toEqual({ path, status: 422, body: { errors: [message] } });
    }
    const after = memoryOf(server.pid);
    const count = await fetch(`${base}/openapi/2022-01/products/${productId}/images/count`, { headers: { 'access-token': token } });
    expect(await count.json()).toEqual({ count: 0 });
    expect(existsSync(`${db.dataDir}/images`) ? (await import('node:fs')).readdirSync(`${db.dataDir}/images`, { recursive: true }).filter((f) => String(f).endsWith('.png') || String(f).endsWith('.jpg')) : []).toEqual([]);
    // A 30000x30000 bomb would need 2.7 GB decoded; the peak must stay far below that.
    expect(after.peak - before.peak).toBeLessThan(150);
    console.log(
      `hostile burst: ${results.length} hostile creates refused; server peak RSS ${before.peak.toFixed(0)} -> ${after.peak.toFixed(0)} MiB`,
    );
  }, 120_000);

  it('still decodes a heavy real image within the limits, with memory returned afterwards', async () => {
    const res = await fetch(`${base}/openapi/2022-01/products/${productId}/images`, {
      method: 'POST',
      headers: { 'access-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ image: { src: origin.url('/heavy.jpg') } }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).image).toMatchObject({ width: 6000, height: 6000 });
  }, 60_000);
});
