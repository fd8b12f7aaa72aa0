import cluster from 'node:cluster';
import type { Registry } from 'prom-client';
import { scrapedMetric } from './scraped-metric.js';

/**
 * The workers of `prodimg serve --workers N` as the primary counts them: the primary sends them to
 * every worker (for `/readyz`) and adds their metrics to `/metrics` itself, after summing the
 * workers' own, so they are counted once however many workers there are.
 */
export interface WorkerCounts {
  /** N, the workers the primary keeps running. */
  configured: number;
  /** Workers listening now. */
  serving: number;
  /** Workers that exited without being asked to, since the primary started. */
  deaths: number;
  /** Workers started to replace a dead one. */
  restarts: number;
}

const COUNTS = 'prodimg:worker-counts';
const ASK = 'prodimg:worker-counts?';

/** In the primary: answers a worker that asks for the counts, and sends them to every worker on `changed()`. */
export function shareWorkerCounts(read: () => WorkerCounts): { changed(): void } {
  cluster.on('message', (worker, message: { type?: unknown }) => {
    if (message?.type === ASK && worker.isConnected()) worker.send({ type: COUNTS, counts: read() });
  });
  return {
    changed() {
      const counts = read();
      for (const worker of Object.values(cluster.workers ?? {})) if (worker?.isConnected()) worker.send({ type: COUNTS, counts });
    },
  };
}

/** In a worker: the primary's latest counts, asked for at once and kept as they change; undefined until the first answer. */
export function followWorkerCounts(): () => WorkerCounts | undefined {
  let latest: WorkerCounts | undefined;
  process.on('message', (message: { type?: unknown; counts?: WorkerCounts }) => {
    if (message?.type === COUNTS && message.counts) latest = message.counts;
  });
  process.send?.({ type: ASK });
  return () => latest;
}

/** The primary's registry for `/metrics`: the counts, read when scraped. */
export async function workerCountMetrics(read: () => WorkerCounts): Promise<Registry> {
  const { Counter, Gauge, Registry } = await import('prom-client');
  const registry = new Registry();
  const metric = (type: typeof Gauge | typeof Counter, name: string, help: string, value: (counts: WorkerCounts) => number) =>
    scrapedMetric(registry, type, name, help, () => value(read()));
  metric(Gauge, 'prodimg_workers_configured', 'server processes the primary keeps running (--workers)', (c) => c.configured);
  metric(Gauge, 'prodimg_workers_serving', 'server processes listening now', (c) => c.serving);
  metric(Counter, 'prodimg_worker_deaths_total', 'server processes that exited without being asked to (start-up failures included)', (c) => c.deaths);
  metric(Counter, 'prodimg_worker_restarts_total', 'server processes started to replace a dead one', (c) => c.restarts);
  return registry;
}
