import type { FastifyInstance } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metric, Registry } from 'prom-client';
import { overloaded, unauthorized } from '../domain/errors.js';
import { answerPrimary, askPrimary } from './cluster-metrics.js';
import { sendError } from './errors-plugin.js';
import type { HttpStats } from './http-stats.js';
import type { S3Stats } from './s3-stats.js';
import { scrapedMetric } from './scraped-metric.js';
import type { CdnService } from '../imaging/cdn-service.js';
import type { KeptBytes, KeptStats } from '../imaging/kept-bytes.js';
import type { WorkQueue } from '../imaging/work-queue.js';
import type { WebhookStats } from './webhooks/delivery-worker.js';

export interface MetricsSources {
  renders: WorkQueue;
  downloads: WorkQueue;
  decodes: WorkQueue;
  cdn: CdnService;
  /** Checked files waiting for their rows to commit (the fetching ingestor's). */
  kept: KeptBytes;
  /** The webhook delivery worker of this process. */
  webhooks?: { stats(): WebhookStats };
}

export interface MetricsOptions {
  /** PRODIMG_METRICS_TOKEN: when set, a scrape must send `Authorization: Bearer <token>`. */
  token?: string;
  /** The HTTP requests this process answered (both the router's and the fast read path's). */
  http: HttpStats;
  /** The requests this process made to its S3 bucket (PRODIMG_BLOB_STORE=s3). */
  s3?: S3Stats;
  /**
   * A worker of `prodimg serve --workers N`: its registry is made at start, so it can answer the
   * primary at any time, and /metrics answers with the primary's sum over every worker.
   */
  clusterWorker?: boolean;
}

/**
 * `GET /metrics` in Prometheus text format: HTTP requests and latency by route, S3 requests by
 * operation with their latency and errors (an S3 blob store only), queue depths,
 * renders, downloads and sheds, plus the process's memory. One registry per app (buildApp runs many
 * times in one test process); every value is read from its source when scraped, so nothing is
 * counted twice, and the registry (with its library) is made on the first scrape: a server nobody
 * scrapes starts without it (a cluster worker makes it at start, see MetricsOptions).
 */
export function registerMetrics(app: FastifyInstance, sources: MetricsSources, options: MetricsOptions): void {
  let registry: Promise<Registry> | undefined;
  const made = () => (registry ??= metricsRegistry(sources, options.http, options.s3));
  if (options.clusterWorker) app.addHook('onReady', async () => answerPrimary(await made()));
  const token = options.token === undefined ? undefined : Buffer.from(options.token);
  app.get('/metrics', async (request, reply) => {
    if (token !== undefined && !bearerMatches(request.headers.authorization, token)) return sendError(request, reply, unauthorized());
    if (options.clusterWorker) {
      const contentType = (await made()).contentType;
      try {
        const text = await askPrimary();
        return reply.header('content-type', contentType).send(text);
      } catch (err) {
        // A listening worker did not give the primary its numbers within 5 s (cluster-metrics.ts).
        return sendError(request, reply, overloaded(`metrics of every worker: ${(err as Error).message}`, 1));
      }
    }
    const own = await made();
    reply.header('content-type', own.contentType);
    return own.metrics();
  });
}

/** Whether `header` is `Bearer <token>`, compared in constant time (as hashes: equal lengths whatever was sent). */
function bearerMatches(header: string | undefined, token: Buffer): boolean {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
  if (given === undefined) return false;
  const hash = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest();
  return timingSafeEqual(hash(given), hash(token));
}

async function metricsRegistry(sources: MetricsSources, http: HttpStats, s3: S3Stats | undefined): Promise<Registry> {
  const { Counter, Gauge, Registry } = await import('prom-client');
  const registry = new Registry();
  // Read when scraped, in the shape the registry and the cluster aggregator take (http-stats.ts).
  for (const [index, name] of ['prodimg_http_requests_total', 'prodimg_http_request_duration_seconds'].entries()) {
    registry.registerMetric({ name, get: () => http.metrics()[index]! } as unknown as Metric);
  }
  if (s3) {
    for (const [index, name] of ['prodimg_s3_requests_total', 'prodimg_s3_request_duration_seconds', 'prodimg_s3_errors_total'].entries()) {
      registry.registerMetric({ name, get: () => s3.metrics()[index]! } as unknown as Metric);
    }
  }
  const queues = { render: sources.renders, download: sources.downloads, decode: sources.decodes } as const;
  const byQueue = (read: (queue: WorkQueue) => number) =>
    function (this: InstanceType<typeof Gauge<'queue'>> | InstanceType<typeof Counter<'queue'>>) {
      // A counter cannot be set: it is reset and raised to the queue's own total, which only grows.
      this.reset();
      for (const [name, queue] of Object.entries(queues)) {
        if (this instanceof Gauge) this.set({ queue: name }, read(queue));
        else this.inc({ queue: name }, read(queue));
      }
    };
  new Gauge({ name: 'prodimg_queue_running', help: 'jobs running now', labelNames: ['queue'], registers: [registry], collect: byQueue((q) => q.stats().running) });
  new Gauge({ name: 'prodimg_queue_waiting', help: 'jobs waiting for a slot now', labelNames: ['queue'], registers: [registry], collect: byQueue((q) => q.stats().waiting) });
  new Counter({ name: 'prodimg_queue_started_total', help: 'jobs started', labelNames: ['queue'], registers: [registry], collect: byQueue((q) => q.stats().started) });
  new Counter({ name: 'prodimg_queue_shed_total', help: 'jobs refused with a 503: the wait list was full or the wait too long', labelNames: ['queue'], registers: [registry], collect: byQueue((q) => q.stats().shed) });
  /** A metric whose value is read from a component's stats when scraped: a Counter, or a Gauge for a level. */
  const fromStats =
    <S>(stats: () => S) =>
    (name: string, help: string, read: (stats: S) => number, type: typeof Gauge | typeof Counter = Counter) =>
      scrapedMetric(registry, type, name, help, () => read(stats()));
  const cdnCounter = fromStats(() => sources.cdn.stats());
  cdnCounter('prodimg_renders_total', 'variant renders begun', (s) => s.rendered);
  cdnCounter('prodimg_renders_coalesced_total', 'variant requests that joined a render already under way', (s) => s.coalesced);
  cdnCounter('prodimg_renders_cancelled_total', 'variant renders cancelled because every client waiting for them had gone', (s) => s.cancelled);
  const keptMetric = fromStats((): KeptStats => sources.kept.stats());
  keptMetric('prodimg_ingest_kept_memory_bytes', 'bytes of checked files held in memory until their rows commit (bounded by PRODIMG_INGEST_KEEP_MB)', (s) => s.memoryBytes, Gauge);
  keptMetric('prodimg_ingest_kept_spooled_files', 'checked files waiting on disk (the spool) until their rows commit', (s) => s.spooledFiles, Gauge);
  keptMetric('prodimg_ingest_spooled_total', 'checked files that went to the spool: the memory budget was full', (s) => s.spooled);
  const webhooks = sources.webhooks;
  if (webhooks) {
    const webhookCounter = fromStats((): WebhookStats => webhooks.stats());
    webhookCounter('prodimg_webhook_attempts_total', 'webhook delivery attempts made by this process', (s) => s.attempts);
    webhookCounter('prodimg_webhook_delivered_total', 'webhook deliveries answered 2xx', (s) => s.delivered);
    webhookCounter('prodimg_webhook_failed_total', 'webhook deliveries marked failed after their last attempt', (s) => s.failed);
  }
  new Gauge({
    name: 'prodimg_process_resident_memory_bytes',
    help: 'resident set size',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });

  return registry;
}
