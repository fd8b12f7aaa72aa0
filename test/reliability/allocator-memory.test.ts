import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { systemClock } from '../../src/domain/clock.js';
import { ShopService } from '../../src/domain/shop-service.js';
import { createRepositories } from '../../src/storage/repositories.js';
import { makeNoise } from '../imaging/fixtures/images.js';
import { type Origin, send as serveBytes, startOrigin } from '../imaging/fixtures/origin-server.js';
import { freshDatabase } from '../support/databases.js';
import { ENVIRONMENT } from '../support/deploy-files.js';
import { STRESS } from '../support/stress.js';
import { cliEnv, memoryOf, startServe } from './support-server.js';
import { variantUrls } from './variant-urls.js';

/**
 * What the process's allocator does with the memory of a render burst (issue 22): the bounded-bursts
 * variant burst (500 different variants of one 12 MP original, all rendered: the render queue is
 * made long enough here) against a fresh server per
 * allocator, each on its own database (rendered variants are stored, so a second burst on the same
 * one would render nothing). RSS at rest (listening, before any image work), once the original is
 * stored, at peak (VmHWM), and 20 s after the burst's last answer. Target: with what
 * deploy/Dockerfile and deploy/prodimg.service set (jemalloc) back within 100 MiB of rest. The numbers are
 * printed as a table at the end (docs/images.md, "sharp settings", quotes them).
 */

const AFTER_MS = 20_000;
const BURST = 500;
const TARGET_MIB = 100;

/** The allocator's variables the deploy files set (the unit's; deploy.test.ts checks the Dockerfile's are the same). */
const DEPLOYED = Object.fromEntries(Object.entries(ENVIRONMENT['systemd unit']()).filter(([name]) => name === 'LD_PRELOAD' || name === 'MALLOC_ARENA_MAX'));

/** The allocators compared, as the environment that picks them; each run starts without the others' variables. */
const ALLOCATORS: Record<string, Record<string, string>> = {
  'glibc malloc': {},
  'glibc, MALLOC_ARENA_MAX=2': { MALLOC_ARENA_MAX: '2' },
  [`as deploy/ sets it: ${Object.entries(DEPLOYED).map(([name, value]) => `${name}=${value}`).join(' ')}`]: DEPLOYED,
};

interface Measured {
  allocator: string;
  restMib: number;
  storedMib: number;
  peakMib: number;
  afterMib: number;
  answers: Record<string, number>;
  burstSeconds: number;
}

describe.skipIf(!STRESS)('memory after a render burst, by allocator (npm run test:stress)', () => {
  let origin: Origin;
  let photo: Buffer;
  const results: Measured[] = [];
  const agent = new Agent({ connections: 1000, pipelining: 0, headersTimeout: 600_000, bodyTimeout: 600_000 });

  beforeAll(async () => {
    // 4000x3000 noise: a camera-sized JPEG of several MB, as in bounded-bursts.
    photo = await makeNoise(4000, 3000).jpeg({ quality: 80 }).toBuffer();
    origin = await startOrigin({ '/photo.jpg': serveBytes(photo, 'image/jpeg') });
  }, 120_000);

  afterAll(async () => {
    await origin?.close();
    await agent.close();
    const table = results.map((r) => `  ${r.allocator.padEnd(70)} rest ${r.restMib} MiB, original stored ${r.storedMib} MiB, peak ${r.peakMib} MiB, 20 s after ${r.afterMib} MiB (+${r.afterMib - r.restMib} over rest); answers ${JSON.stringify(r.answers)} in ${r.burstSeconds} s`);
    console.log(`allocator memory, ${BURST} variants of a 4000x3000 JPEG:\n${table.join('\n')}`);
  });

  async function get(base: string, path: string, token: string, init: { method?: string; body?: unknown } = {}) {
    const res = await request(`${base}${path}`, {
      method: (init.method ?? 'GET') as 'GET',
      dispatcher: agent,
      headers: { 'access-token': token, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    return { status: res.statusCode, body: await res.body.text() };
  }

  /** The queues are empty and nothing runs: the burst's work is over on the server too. */
  async function untilIdle(base: string, token: string): Promise<void> {
    for (;;) {
      const metrics = (await get(base, '/metrics', token)).body;
      if (![...metrics.matchAll(/^prodimg_queue_(?:running|waiting)\{queue="\w+"\} (\d+)$/gm)].some((m) => m[1] !== '0')) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  for (const [allocator, settings] of Object.entries(ALLOCATORS)) {
    it(`${allocator}: RSS at rest, at peak and ${AFTER_MS / 1000} s after the burst`, async () => {
      const db = await freshDatabase('sqlite');
      const repos = createRepositories(db.database);
      const shops = new ShopService(repos.shops, repos.tokens, systemClock);
      await shops.create('allocator');
      const token = (await shops.createToken('allocator', ['read_product', 'write_product'])).token;
      const { LD_PRELOAD: _preload, MALLOC_ARENA_MAX: _arenas, ...env } = cliEnv({
        dataDir: db.dataDir,
        // Every variant of the burst is rendered (none shed with a 503): the most work the allocator can be left with.
        extra: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1', PRODIMG_LOG_LEVEL: 'info', PRODIMG_RENDER_QUEUE: String(BURST), PRODIMG_RENDER_QUEUE_WAIT_MS: '600000' },
      });
      const server = await startServe({ ...env, ...settings });
      try {
        const maps = readFileSync(`/proc/${server.pid}/maps`, 'utf8');
        expect(maps.includes('libjemalloc'), 'jemalloc loaded exactly when LD_PRELOAD names it (Debian: apt-get install libjemalloc2)').toBe(settings.LD_PRELOAD === 'libjemalloc.so.2');
        const restMib = memoryOf(server.pid).rss;
        const created = await get(server.base, '/openapi/2022-01/products', token, { method: 'POST', body: { product: { title: 'burst target', images: [{ src: origin.url('/photo.jpg') }] } } });
        expect(created.status, created.body).toBe(200);
        const original = JSON.parse(created.body).product.images[0].path as string;
        await untilIdle(server.base, token);
        const storedMib = memoryOf(server.pid).rss;

        const started = performance.now();
        const answers: Record<string, number> = {};
        await Promise.all(
          variantUrls(original, BURST).map(async (url) => {
            const { status } = await get(server.base, url, token);
            answers[status] = (answers[status] ?? 0) + 1;
          }),
        );
        await untilIdle(server.base, token);
        const burstSeconds = Math.round((performance.now() - started) / 100) / 10;
        expect(answers, JSON.stringify(answers)).toEqual({ 200: BURST });
        // The measurement itself: how much the allocator has handed back this long after the work ended.
        await new Promise((resolve) => setTimeout(resolve, AFTER_MS));
        const { rss: afterMib, peak: peakMib } = memoryOf(server.pid);
        const measured = { allocator, restMib, storedMib, peakMib, afterMib, answers, burstSeconds };
        results.push(measured);
        console.log(`allocator memory: ${JSON.stringify(measured)}`);
        if (settings === DEPLOYED) expect(afterMib - restMib, `${allocator}: ${AFTER_MS / 1000} s after the burst, within ${TARGET_MIB} MiB of rest`).toBeLessThanOrEqual(TARGET_MIB);
      } finally {
        server.kill();
        await db.drop();
      }
    }, 600_000);
  }
});
