// Running a scenario's systems side by side: warm each up, then interleave their runs
// (A B C, A B C, A B C) so that a slow moment on a busy machine hits every system alike.
import { setTimeout as sleep } from 'node:timers/promises';
import { loadRun } from './load.mjs';
import { cpuSeconds, peakRssMiB } from './proc.mjs';
import { median, medianOfRuns, percentile } from './stats.mjs';

/** A system measured with autocannon; `load` holds loadRun's options except servers and duration. */
export function httpSystem(name, role, servers, load) {
  const list = Array.isArray(servers) ? servers : [servers];
  return { name, role, servers: list, once: (seconds) => loadRun({ servers: list, duration: seconds, ...load }) };
}

/**
 * Measures every system `settings.runs` times (each run `settings.duration` seconds, after one warm-up
 * of `settings.warmup` seconds) and returns one row per system: raw runs, their medians and the peak
 * RSS of its server processes.
 */
export async function compare(settings, systems, log) {
  for (const system of systems) {
    log(`warm-up ${system.name}`);
    await system.once(settings.warmup);
    await settle(system.servers);
  }
  const runs = new Map(systems.map((system) => [system, []]));
  for (let round = 1; round <= settings.runs; round++) {
    for (const system of systems) {
      const run = await system.once(settings.duration);
      runs.get(system).push(run);
      log(`run ${round}/${settings.runs} ${system.name}: ${Math.round(run.rps)} req/s${run.failed ? `, ${run.failed} failed` : ''}`);
      await settle(system.servers);
    }
  }
  return systems.map((system) => row(system, runs.get(system)));
}

export function row(system, runs) {
  return {
    name: system.name,
    role: system.role,
    median: medianOfRuns(runs),
    peakRssMiB: system.servers.reduce((sum, server) => sum + peakRssMiB(server.pid), 0),
    failed: runs.reduce((sum, run) => sum + (run.failed ?? 0), 0),
    runs,
  };
}

/**
 * Waits until the servers stop burning CPU (requests cut off at the end of a run may still be in
 * flight), so leftover work is not charged to the next system. At most 5 s.
 */
export async function settle(servers) {
  const deadline = Date.now() + 5000;
  let before = servers.reduce((sum, server) => sum + cpuSeconds(server.pid), 0);
  while (Date.now() < deadline) {
    await sleep(100);
    const now = servers.reduce((sum, server) => sum + cpuSeconds(server.pid), 0);
    if (now - before < 0.015) return;
    before = now;
  }
}

/**
 * A target: `value op threshold`. `op` is '>=' or '<' or '<='; a null threshold only reports the value.
 * Values that could not be measured (NaN) fail.
 */
export function target(label, value, op, threshold, unit = 'x') {
  let pass = null;
  if (threshold !== null) {
    if (!Number.isFinite(value)) pass = false;
    else if (op === '>=') pass = value >= threshold;
    else if (op === '<') pass = value < threshold;
    else if (op === '<=') pass = value <= threshold;
    else throw new Error(`unknown op ${op}`);
  }
  return { label, value, op, threshold, unit, pass };
}

/**
 * `a` against `b` on one field: the median over rounds of a's run divided by b's run of the same
 * round. The two runs of a round are neighbours in time, so a machine that gets faster or slower
 * between rounds (this 2-core VM swings by up to 2x over seconds) cancels out of each ratio, where a
 * ratio of the two columns' medians can pair a fast run of one with a slow run of the other.
 */
export function pairedRatio(a, b, key = 'rps') {
  return median(a.runs.map((run, i) => run[key] / (b.runs[i]?.[key] ?? Number.NaN)));
}

export function byName(rows, name) {
  const found = rows.find((r) => r.name === name);
  if (!found) throw new Error(`no row named ${name}`);
  return found;
}

/** A run of sequential requests (their milliseconds, the server's CPU seconds) in loadRun's shape. */
export function latencyRun(ms, cpu) {
  const seconds = ms.reduce((a, b) => a + b, 0) / 1000;
  return {
    rps: ms.length / seconds,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    cpuPct: (100 * cpu) / seconds,
    cpuMsPerKReq: (1e6 * cpu) / ms.length,
    ok: ms.length,
    failed: 0,
    seconds,
  };
}
