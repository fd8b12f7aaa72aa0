// 9. Bulk import: `prodimg import` of a spreadsheet (products of 4 images each, every src a unique
// URL of a 1 MP JPEG on a local origin) into a fresh store, against the bare ingest pipeline
// (download, sniff, decode check, md5, write) at the same concurrency, measured in the same run.
// The import's time is the whole command's: start-up, reading the file twice, the database.
// Then `prodimg export` of a store of 100k images (`--quick`: 20k) against one of 2k, both seeded
// with `prodimg seed`: peak RSS, and the export must run within a 64 MiB JavaScript heap.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOrigin, startPipeline } from '../lib/baselines.mjs';
import { makeJpeg } from '../lib/images.mjs';
import { target } from '../lib/measure.mjs';
import { cli, lastLine, ROOT } from '../lib/prodimg.mjs';
import { INGEST_ENV } from './ingest.mjs';

export const id = '9';
export const title = 'Bulk import (images/s against the bare ingest pipeline) and export (memory)';

const IMAGES_PER_PRODUCT = 4;
/** prodimg's default download concurrency (PRODIMG_INGEST_CONCURRENCY), which bounds the import. */
const DOWNLOADS = 4;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function run(ctx) {
  const products = ctx.settings.quick ? 50 : 150;
  const originDir = join(ctx.tmp, 'origin');
  mkdirSync(originDir);
  writeFileSync(join(originDir, '1mp.jpg'), await makeJpeg(1, 3));
  const [origin, pipeline] = await Promise.all([ctx.track(startOrigin(originDir)), ctx.track(startPipeline(join(ctx.tmp, 'pipeline-out')))]);
  const src = `${origin.base}/1mp.jpg`;
  const images = products * IMAGES_PER_PRODUCT;
  const baseline = pipeline.system('bare pipeline', src, DOWNLOADS);
  await baseline.once(ctx.settings.warmup);

  const runs = { baseline: [], import: [] };
  for (let round = 1; round <= ctx.settings.runs; round++) {
    const piped = await baseline.once(Math.max(ctx.settings.duration, 2));
    runs.baseline.push(piped.rps);
    const store = await ctx.store('sqlite', INGEST_ENV);
    await cli(['shops', 'create', 'bench'], store.env);
    const file = join(ctx.tmp, `round-${round}.csv`);
    writeFileSync(file, spreadsheet(src, products, round));
    const started = process.hrtime.bigint();
    const summary = JSON.parse(lastLine(await cli(['import', file, '--shop', 'bench', '--quiet'], store.env)));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (summary.created !== products || summary.failed !== 0) throw new Error(`import ${round}: ${JSON.stringify(summary)}`);
    runs.import.push(images / seconds);
    ctx.log(`round ${round}: bare pipeline ${piped.rps.toFixed(1)} images/s, import ${(images / seconds).toFixed(1)} images/s (${images} images in ${seconds.toFixed(1)} s)`);
  }
  const line = (name, role, values) => ({ name, role, median: { rps: median(values) }, failed: 0, runs: values.map((rps) => ({ rps })) });
  const ratios = runs.import.map((rate, i) => rate / runs.baseline[i]);
  ctx.note(`${products} products, ${images} images per import; both at ${DOWNLOADS} downloads at once; ratios paired by round: ${ratios.map((r) => r.toFixed(2)).join(', ')}`);

  const large = ctx.settings.quick ? 20_000 : 100_000;
  const exported = { small: [], large: [] };
  const store = await ctx.store('sqlite');
  await cli(['seed', '--images', '2000', '--shop', 'small'], store.env);
  await cli(['seed', '--images', String(large), '--shop', 'large'], store.env);
  for (let round = 1; round <= ctx.settings.runs; round++) {
    for (const size of ['small', 'large']) {
      const kib = await exportPeakRss(store.env, size, join(ctx.tmp, `${size}.csv`));
      exported[size].push(kib / 1024);
    }
    ctx.log(`round ${round}: export peak RSS 2k images ${exported.small.at(-1).toFixed(0)} MiB, ${large / 1000}k images ${exported.large.at(-1).toFixed(0)} MiB`);
  }
  const memory = (name, role, values) => ({ name, role, median: {}, peakRssMiB: Math.round(median(values)), failed: 0, runs: values.map((mib) => ({ peakRssMiB: mib })) });
  return {
    rows: [
      line(`bare pipeline (c=${DOWNLOADS}), images/s`, 'baseline', runs.baseline),
      line('prodimg import, images/s', 'prodimg', runs.import),
      memory('export of 2k images (CSV), 64 MiB heap', 'baseline', exported.small),
      memory(`export of ${large / 1000}k images (CSV), 64 MiB heap`, 'prodimg', exported.large),
    ],
    targets: [
      target('import images/s vs bare pipeline (median of paired rounds)', median(ratios), '>=', 0.5),
      target(`export peak RSS, ${large / 1000}k images vs 2k`, median(exported.large) / median(exported.small), '<=', 2),
    ],
  };
}

/** One `prodimg export --format csv` with a 64 MiB JavaScript heap (a store held in memory would not fit); its peak RSS in KiB. */
function exportPeakRss(env, shop, out) {
  return new Promise((resolve, reject) => {
    const preload = join(ROOT, 'bench/lib/max-rss-preload.cjs');
    const child = spawn(process.execPath, ['--max-old-space-size=64', '-r', preload, join(ROOT, 'bin/prodimg.js'), 'export', '--shop', shop, '--format', 'csv', '--out', out, '--quiet'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => {
      const kib = Number(/bench-max-rss-kib (\d+)/.exec(stderr)?.[1]);
      if (status !== 0 || !kib) reject(new Error(`export of ${shop} exited with ${status}: ${stderr.slice(0, 500)}`));
      else resolve(kib);
    });
  });
}

/** The platforms' layout: a product's first row has its fields, each row one image at a unique URL. */
function spreadsheet(src, products, round) {
  const rows = ['Handle,Title,Image Src,Image Position,Image Alt Text'];
  for (let p = 0; p < products; p++) {
    for (let i = 0; i < IMAGES_PER_PRODUCT; i++) {
      rows.push(`item-${p},${i === 0 ? `Item ${p}` : ''},${src}?n=${round}-${p}-${i},${i + 1},View ${i + 1}`);
    }
  }
  return `${rows.join('\n')}\n`;
}
