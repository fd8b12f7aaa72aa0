import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import type { PrometheusContentType, Registry } from 'prom-client';

/** A worker's registry as `getMetricsAsJSON()` gives it, the shape prom-client's aggregator sums. */
type MetricJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>[number];

/**
 * `/metrics` under `prodimg serve --workers N` (node:cluster): the port is the workers', so the
 * worker a scrape reaches asks the primary, which collects the registry of every worker serving
 * now and sums them with prom-client's aggregator (counters, histograms and gauges alike:
 * per-process levels such as queue depths and memory add up to the server's), then adds its own
 * (worker-counts.ts), counted once. A worker still starting, or failing to, is not asked: it has
 * served nothing, and waiting for it would hold every scrape while workers are being replaced.
 */
const ASK = 'prodimg:metrics';
const COLLECT = 'prodimg:metrics-collect';
const REPORT = 'prodimg:metrics-report';
/** The longest wait for one worker's registry; a worker that takes longer makes the scrape a 503. */
const COLLECT_TIMEOUT_MS = 5000;

interface Answer {
  type: typeof ASK;
  id: string;
  text?: string;
  error?: string;
}

interface Report {
  type: typeof REPORT;
  id: string;
  metrics?: MetricJson[];
  error?: string;
}

/**
 * In the primary: answers every worker's request for the cluster's metrics, from the workers
 * `serving()` returns and the primary's own registry.
 */
export async function serveClusterMetrics(serving: () => Worker[], own: Registry): Promise<void> {
  const { AggregatorRegistry, Registry } = await import('prom-client');
  const sum = async (): Promise<string> => {
    const reports = await Promise.all(serving().map(collect));
    const summed = AggregatorRegistry.aggregate<PrometheusContentType>(reports.filter((report) => report !== undefined));
    return Registry.merge([summed, own]).metrics();
  };
  cluster.on('message', (worker, message: { type?: unknown; id?: unknown }) => {
    if (message?.type !== ASK || typeof message.id !== 'string') return;
    const id = message.id;
    sum().then(
      (text) => worker.isConnected() && worker.send({ type: ASK, id, text } satisfies Answer),
      (err: Error) => worker.isConnected() && worker.send({ type: ASK, id, error: err.message } satisfies Answer),
    );
  });
}

/** One worker's registry as JSON; undefined if it exits or disconnects first (it no longer counts). */
function collect(worker: Worker): Promise<MetricJson[] | undefined> {
  if (!worker.isConnected()) return Promise.resolve(undefined);
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      worker.off('message', listen);
      worker.off('disconnect', gone);
      settle();
    };
    const listen = (message: Report) => {
      if (message?.type !== REPORT || message.id !== id) return;
      finish(() => (message.error === undefined ? resolve(message.metrics ?? []) : reject(new Error(`worker ${worker.process.pid}: ${message.error}`))));
    };
    const gone = () => finish(() => resolve(undefined));
    const timer = setTimeout(() => finish(() => reject(new Error(`worker ${worker.process.pid} did not answer within ${COLLECT_TIMEOUT_MS} ms`))), COLLECT_TIMEOUT_MS);
    worker.on('message', listen);
    worker.once('disconnect', gone);
    worker.send({ type: COLLECT, id });
  });
}

/** In a worker: lets the primary read `registry`. */
export function answerPrimary(registry: Registry): void {
  process.on('message', (message: { type?: unknown; id?: unknown }) => {
    if (message?.type !== COLLECT || typeof message.id !== 'string') return;
    const id = message.id;
    registry.getMetricsAsJSON().then(
      (metrics) => process.send?.({ type: REPORT, id, metrics } satisfies Report),
      (err: Error) => process.send?.({ type: REPORT, id, error: err.message } satisfies Report),
    );
  });
}

/** In a worker: the metrics of every worker, summed by the primary. */
export function askPrimary(): Promise<string> {
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const listen = (message: Answer) => {
      if (message?.type !== ASK || message.id !== id) return;
      process.off('message', listen);
      if (message.error !== undefined) reject(new Error(`metrics from the other workers: ${message.error}`));
      else resolve(message.text ?? '');
    };
    process.on('message', listen);
    process.send!({ type: ASK, id });
  });
}
