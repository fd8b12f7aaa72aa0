import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';

/**
 * `/metrics` under `prodimg serve --workers N` (node:cluster): the port is the workers', so the
 * worker a scrape reaches asks the primary, whose prom-client AggregatorRegistry asks every worker
 * for its registry and sums them (counters, histograms and gauges alike: per-process levels such
 * as queue depths and memory add up to the server's).
 */
const ASK = 'prodimg:metrics';

interface Answer {
  type: typeof ASK;
  id: string;
  text?: string;
  error?: string;
}

/** In the primary: answers every worker's request for the cluster's metrics. */
export async function serveClusterMetrics(): Promise<void> {
  const { AggregatorRegistry } = await import('prom-client');
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: { type?: unknown; id?: unknown }) => {
    if (message?.type !== ASK || typeof message.id !== 'string') return;
    const id = message.id;
    aggregator.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ type: ASK, id, text } satisfies Answer),
      (err: Error) => worker.isConnected() && worker.send({ type: ASK, id, error: err.message } satisfies Answer),
    );
  });
}

/** In a worker: lets the primary's aggregator read `registry` (prom-client's listener for its requests). */
export async function answerPrimary(registry: Registry): Promise<void> {
  const { AggregatorRegistry } = await import('prom-client');
  // Made for its side effect: in a worker, the constructor installs the answering listener.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
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
