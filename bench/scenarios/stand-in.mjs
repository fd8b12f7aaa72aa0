// 8. Stand-in mode as an app's test suite meets it: startProdimg in a fresh process (module loading
// included, the default seed), later starts in the same process and reset() after a few writes,
// with a seed of 2 stores x 10 products x 3 images and 2 variants. Each run is a process of its own.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { target } from '../lib/measure.mjs';

export const id = '8';
export const title = 'Stand-in: start and reset (seed of 20 products, 60 images)';

const CHILD = fileURLToPath(new URL('./stand-in-child.mjs', import.meta.url));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const p99 = (values) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * 0.99))];

export async function run(ctx) {
  const runs = [];
  for (let r = 0; r < ctx.settings.runs; r++) {
    const res = spawnSync(process.execPath, [CHILD], { encoding: 'utf8', timeout: 300_000 });
    if (res.status !== 0) throw new Error(`stand-in run failed: ${res.stderr}`);
    const run = JSON.parse(res.stdout.trim().split('\n').at(-1));
    if (run.countAfterReset !== 10) ctx.note(`run ${r + 1}: ${run.countAfterReset} products after a reset, not the seed's 10`);
    runs.push(run);
    ctx.log(`run ${r + 1}/${ctx.settings.runs}: first start ${run.firstStartMs.toFixed(0)} ms, later start p50 ${median(run.laterStartMs).toFixed(0)} ms, reset p50 ${median(run.resetMs).toFixed(1)} ms`);
  }
  const line = (name, perRun) => {
    const values = runs.map(perRun);
    return { name, role: 'prodimg', median: { p50: median(values.map((v) => v.p50)), p99: median(values.map((v) => v.p99)) }, peakRssMiB: undefined, failed: 0, runs: values };
  };
  const rows = [
    line('first start in a process, import included (default seed)', (run) => ({ p50: run.firstStartMs, p99: run.firstStartMs })),
    line('a later start, 20-product seed (a new stand-in per test)', (run) => ({ p50: median(run.laterStartMs), p99: p99(run.laterStartMs) })),
    line('reset() after 3 writes', (run) => ({ p50: median(run.resetMs), p99: p99(run.resetMs) })),
  ];
  return {
    rows,
    targets: [
      target('first start, median of runs', rows[0].median.p50, '<', 1000, 'ms'),
      target('reset, median', rows[2].median.p50, '<', 100, 'ms'),
      // The baseline, measured in the same runs: what a reset saves against starting again.
      target('reset / later start', rows[2].median.p50 / rows[1].median.p50, '<', null),
    ],
  };
}
