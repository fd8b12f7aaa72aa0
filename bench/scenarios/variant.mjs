// 4. Resized variant /cdn/<hash>_400x.jpg?format=webp: the first (uncached) request against sharp
// called directly on the same file, and the cached request against a ceiling serving the same bytes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCeiling, startOrigin } from '../lib/baselines.mjs';
import { makeJpeg } from '../lib/images.mjs';
import { call, callOk, timed } from '../lib/load.mjs';
import { compare, httpSystem, latencyRun, pairedRatio, row, target } from '../lib/measure.mjs';
import { cpuSeconds } from '../lib/proc.mjs';
import { API, createShopAndToken } from '../lib/prodimg.mjs';
import { median } from '../lib/stats.mjs';
import { INGEST_ENV } from './ingest.mjs';

export const id = '4';
export const title = 'Resized variant (/cdn, 400w WebP)';

const SHARP_DIRECT = fileURLToPath(new URL('../baselines/sharp-direct.mjs', import.meta.url));
const variantPath = (stored) => `/cdn/${stored.replace(/\.jpg$/, '')}_400x.jpg?format=webp`;

export async function run(ctx) {
  const { runs, firstRequests } = ctx.settings;
  const originDir = join(ctx.tmp, 'origin');
  mkdirSync(originDir);
  // One image for the cached case and one batch of distinct originals per run for the first request.
  const count = 1 + runs * firstRequests;
  const origin = await ctx.track(startOrigin(originDir));

  const store = await ctx.store('sqlite', INGEST_ENV);
  const token = await createShopAndToken(store);
  const server = await ctx.serve(store);
  const product = (await callOk(server.base, { method: 'POST', path: `${API}/products`, token, body: { product: { title: 'variants' } } })).json.product;
  const stored = [];
  const ingest = async (i) => {
    writeFileSync(join(originDir, `v${i}.jpg`), await makeJpeg(1, 100 + i));
    const body = { image: { src: `${origin.base}/v${i}.jpg` } };
    stored.push((await callOk(server.base, { method: 'POST', path: `${API}/products/${product.id}/images`, token, body })).json.image.path);
  };
  // Is the route there at all? Checked on the first image, before making the others.
  await ingest(0);
  const probe = await call(server.base, { path: variantPath(stored[0]) });
  if (probe.status === 404) ctx.notAvailable(`GET ${variantPath(stored[0])} answered 404 for a stored image (the /cdn route is not served yet)`);
  if (probe.status !== 200) throw new Error(`GET ${variantPath(stored[0])} answered ${probe.status}: ${probe.bytes.toString('utf8').slice(0, 200)}`);
  for (let i = 1; i < count; i++) await ingest(i);

  // First requests: sequential, one distinct original each, after a warm-up render of image 0 (above).
  const prodimgRuns = [];
  const sharpRuns = [];
  let sharpPeak = 0;
  for (let r = 0; r < runs; r++) {
    const batch = Array.from({ length: firstRequests }, (_, i) => 1 + r * firstRequests + i);
    const ms = [];
    const cpuBefore = cpuSeconds(server.pid);
    for (const i of batch) {
      const { ms: took, value } = await timed(() => call(server.base, { path: variantPath(stored[i]) }));
      if (value.status !== 200) throw new Error(`first request for image ${i} answered ${value.status}`);
      ms.push(took);
    }
    prodimgRuns.push(latencyRun(ms, cpuSeconds(server.pid) - cpuBefore));
    const files = batch.map((i) => join(originDir, `v${i}.jpg`));
    const direct = JSON.parse(execFileSync(process.execPath, [SHARP_DIRECT, ...files], { encoding: 'utf8' }));
    sharpRuns.push(latencyRun(direct.ms, direct.cpuSeconds));
    sharpPeak = Math.max(sharpPeak, direct.peakRssMiB);
    ctx.log(`first requests run ${r + 1}/${runs}: prodimg median ${median(ms).toFixed(1)} ms, sharp ${median(direct.ms).toFixed(1)} ms`);
  }
  const sharpRow = { ...row({ name: 'sharp direct (first request)', role: 'baseline', servers: [] }, sharpRuns), peakRssMiB: sharpPeak };
  const firstRow = row({ name: 'prodimg first request', role: 'prodimg', servers: [server] }, prodimgRuns);

  const ceiling = await ctx.track(startCeiling('ceiling (webp bytes)', probe.bytes, ctx.tmp, 'image/webp'));
  const cached = await compare(
    ctx.settings,
    [
      httpSystem('ceiling (webp bytes)', 'baseline', ceiling, { url: ceiling.base + variantPath(stored[0]) }),
      httpSystem('prodimg cached variant', 'prodimg', server, { url: server.base + variantPath(stored[0]) }),
    ],
    ctx.log,
  );
  return {
    rows: [sharpRow, firstRow, ...cached],
    targets: [
      target('prodimg first request p50 vs sharp direct p50', pairedRatio(firstRow, sharpRow, 'p50'), '<=', 1.2),
      target('prodimg cached variant req/s vs ceiling', pairedRatio(cached[1], cached[0]), '>=', 0.5),
    ],
  };
}
