// Starting the baseline processes of bench/baselines and the image origin.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, freePort, startServer } from './proc.mjs';
import { percentile } from './stats.mjs';

const script = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url));

async function startScript(name, path, args, extra = {}) {
  const port = await freePort();
  const server = await startServer({ name, args: [script(path), '--port', String(port), ...args], port, ...extra });
  server.base = `http://127.0.0.1:${port}`;
  return server;
}

/** A ceiling server answering every request with `body`. */
export function startCeiling(name, body, tmpDir, type = 'application/json; charset=utf-8') {
  const file = join(tmpDir, `ceiling-${randomUUID()}`);
  writeFileSync(file, body);
  return startScript(name, 'baselines/ceiling.mjs', ['--body', file, '--type', type]);
}

export function startLean(sqliteFile) {
  return startScript('lean', 'baselines/lean.mjs', ['--db', sqliteFile]);
}

/** The image origin (lib/origin-server.mjs); `unique` makes every `?n=` URL's bytes differ. */
export function startOrigin(dir, { unique = false } = {}) {
  return startScript('origin', 'lib/origin-server.mjs', ['--dir', dir, ...(unique ? ['--unique'] : [])]);
}

/**
 * The bare ingest pipeline as a child process driven over IPC, wrapped as a measurable system:
 * `once(seconds)` runs it with `concurrency` workers against `url` and returns a run like loadRun's.
 */
export async function startPipeline(outDir) {
  const handle = await startServer({ name: 'pipeline', args: [script('baselines/pipeline.mjs'), outDir], ipc: true });
  await new Promise((resolve, reject) => {
    handle.child.once('message', (message) => (message.type === 'ready' ? resolve() : reject(new Error('pipeline did not start'))));
    handle.exited.then((code) => reject(new Error(`pipeline exited with ${code}: ${handle.output()}`)));
  });
  const ask = (message) =>
    new Promise((resolve) => {
      handle.child.once('message', resolve);
      handle.child.send(message);
    });
  handle.system = (name, url, concurrency) => ({
    name,
    role: 'baseline',
    servers: [handle],
    async once(seconds) {
      const before = cpuSeconds(handle.pid);
      const result = await ask({ type: 'run', url, concurrency, seconds });
      const cpu = cpuSeconds(handle.pid) - before;
      if (result.failed > 0 && result.ok === 0) throw new Error(`pipeline failed: ${result.lastError}`);
      return {
        rps: result.ok / result.seconds,
        p50: percentile(result.latencies, 50),
        p99: percentile(result.latencies, 99),
        cpuPct: (100 * cpu) / result.seconds,
        cpuMsPerKReq: result.ok > 0 ? (1e6 * cpu) / result.ok : Number.NaN,
        ok: result.ok,
        failed: result.failed,
        seconds: result.seconds,
      };
    },
  });
  return handle;
}
