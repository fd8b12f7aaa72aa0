#!/usr/bin/env node
// `npm run bench [-- --quick] [-- --only 1,3] [-- --no-build]`: measures prodimg against baselines
// measured in the same run, prints a table per scenario and writes bench/results/latest.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_PG_URL, postgresUnavailable } from './lib/postgres.mjs';
import { stopAll } from './lib/proc.mjs';
import { build, createProduct, createShopAndToken, freshStore, ROOT, serve } from './lib/prodimg.mjs';
import { startS3Gateway } from './lib/s3-gateway.mjs';
import { formatScenario, formatSummary } from './lib/table.mjs';
import * as details from './scenarios/details.mjs';
import * as importScenario from './scenarios/import.mjs';
import * as ingest from './scenarios/ingest.mjs';
import * as list from './scenarios/list.mjs';
import * as moves from './scenarios/moves.mjs';
import * as multiProcess from './scenarios/multi-process.mjs';
import * as proxy from './scenarios/proxy.mjs';
import * as s3Ingest from './scenarios/s3-ingest.mjs';
import * as s3Original from './scenarios/s3-original.mjs';
import * as scale from './scenarios/scale.mjs';
import * as standIn from './scenarios/stand-in.mjs';
import * as variant from './scenarios/variant.mjs';
import * as webhooks from './scenarios/webhooks.mjs';

const SCENARIOS = [details, list, ingest, variant, scale, moves, multiProcess, standIn, importScenario, webhooks, proxy, s3Original, s3Ingest];

/** Thrown by a scenario whose feature prodimg does not have yet; reported, never a failure. */
class NotAvailable extends Error {}

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    'pg-url': { type: 'string', default: process.env.BENCH_PG_URL ?? DEFAULT_PG_URL },
    out: { type: 'string', default: join(ROOT, 'bench/results/latest.json') },
  },
});

const settings = flags.quick
  ? { quick: true, runs: 3, warmup: 0.5, duration: 0.6, moves: 200, firstRequests: 3, scaleSizes: [10_000, 200_000] }
  : { quick: false, runs: 3, warmup: 2, duration: 3, moves: 1000, firstRequests: 8, scaleSizes: [10_000, 2_000_000] };
const only = flags.only ? new Set(flags.only.split(',').map((s) => s.trim())) : null;
const unknown = only ? [...only].filter((n) => !SCENARIOS.some((s) => s.id === n)) : [];
if (unknown.length) {
  process.stderr.write(`bench: unknown scenario ${unknown.join(', ')}; choose from ${SCENARIOS.map((s) => s.id).join(', ')}\n`);
  process.exit(2);
}

const allStores = [];
const catalogs = new Map();

async function newStore(dialect, extraEnv) {
  const store = await freshStore(dialect, { pgUrl: flags['pg-url'], extraEnv });
  allStores.push(store);
  return store;
}

/**
 * One store per dialect shared by the read and move scenarios (1, 2, 6, 7): the bench shop, its token, a served
 * prodimg and a product with 50 images. Made on first use, kept until the end: it saves a few
 * seconds of CLI start-ups per scenario.
 */
function catalog(dialect) {
  if (!catalogs.has(dialect)) {
    catalogs.set(
      dialect,
      (async () => {
        const store = await newStore(dialect);
        const token = await createShopAndToken(store);
        const server = await serve(store);
        const product = await createProduct(server.base, token, 50);
        return { store, token, server, product };
      })(),
    );
  }
  return catalogs.get(dialect);
}

/** The run's one S3 gateway (scenarios 12 and 13), started on first use, stopped by disposeAll. */
let gateway = null;
function s3Gateway() {
  gateway ??= startS3Gateway();
  return gateway;
}

async function disposeAll() {
  await stopAll();
  const running = gateway && (await gateway.catch(() => null));
  if (running) await running.stop().catch((error) => process.stderr.write(`bench: stopping the S3 gateway failed: ${error.message}\n`));
  for (const store of allStores) await store.dispose().catch(() => {});
}

const log = (message) => process.stderr.write(`  . ${((Date.now() - started) / 1000).toFixed(1)}s ${message}\n`);
const started = Date.now();

process.once('SIGINT', async () => {
  process.stderr.write('\nbench: interrupted, stopping servers and dropping databases\n');
  await disposeAll();
  process.exit(130);
});

process.stderr.write(`bench: ${flags.quick ? 'QUICK (short runs, 200k instead of 2M images)' : 'full'} run, ${settings.runs} runs of ${settings.duration}s per system after ${settings.warmup}s warm-up\n`);
const buildStatus = build({ skip: flags['no-build'] });
process.stderr.write(`bench: prodimg ${buildStatus}\n`);
const postgresReason = await postgresUnavailable(flags['pg-url']);
if (postgresReason) process.stderr.write(`bench: PostgreSQL parts skipped: ${postgresReason}\n`);
const loadBefore = loadavg();

const results = [];
for (const scenario of SCENARIOS) {
  if (only && !only.has(scenario.id)) continue;
  process.stderr.write(`\nbench: [${scenario.id}] ${scenario.title}\n`);
  const result = { id: scenario.id, title: scenario.title, status: 'ok', notes: [] };
  const scenarioStart = Date.now();
  const tmp = mkdtempSync(join(tmpdir(), `prodimg-bench-${scenario.id}-`));
  const servers = [];
  const stores = [];
  const ctx = {
    settings,
    tmp,
    log,
    cpus: cpus().length,
    postgres: postgresReason === null,
    postgresReason,
    note: (text) => result.notes.push(text),
    notAvailable: (reason) => {
      throw new NotAvailable(reason);
    },
    async track(handlePromise) {
      const handle = await handlePromise;
      servers.push(handle);
      return handle;
    },
    async store(dialect, extraEnv) {
      const store = await newStore(dialect, extraEnv);
      stores.push(store);
      return store;
    },
    catalog,
    s3Gateway,
    serve: (store, options) => ctx.track(serve(store, options)),
  };
  try {
    Object.assign(result, await scenario.run(ctx));
  } catch (error) {
    result.status = error instanceof NotAvailable ? 'not available' : 'error';
    result.reason = error.message;
    if (!(error instanceof NotAvailable)) process.stderr.write(`${error.stack}\n`);
  } finally {
    for (const server of servers.reverse()) await server.stop();
    for (const store of stores) await store.dispose().catch((error) => result.notes.push(`cleanup failed: ${error.message}`));
    rmSync(tmp, { recursive: true, force: true });
  }
  result.seconds = Math.round((Date.now() - scenarioStart) / 100) / 10;
  results.push(result);
  process.stdout.write(`${formatScenario(result)}\n`);
}

await disposeAll();
process.stdout.write(`${formatSummary(results)}\n`);
const report = {
  generated: new Date().toISOString(),
  mode: flags.quick ? 'quick' : 'full',
  seconds: Math.round((Date.now() - started) / 1000),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryMiB: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadavgBefore: loadBefore,
    loadavgAfter: loadavg(),
  },
  settings,
  build: buildStatus,
  postgres: postgresReason ?? 'available',
  scenarios: results,
};
mkdirSync(join(flags.out, '..'), { recursive: true });
writeFileSync(flags.out, `${JSON.stringify(report, null, 2)}\n`);
process.stderr.write(`bench: wrote ${flags.out} in ${report.seconds}s\n`);
const failed = results.some((r) => r.status === 'error' || (r.targets ?? []).some((t) => t.pass === false));
process.exitCode = failed ? 1 : 0;
