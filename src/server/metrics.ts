import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
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

/**
 * `GET /metrics` in Prometheus text format: queue depths, renders, downloads and sheds, plus the
 * process's memory. One registry per app (buildApp runs many times in one test process); every value
 * is read from its source when scraped, so nothing is counted twice, and the registry (with its
 * library) is made on the first scrape: a server nobody scrapes starts without it.
 */
export function registerMetrics(app: FastifyInstance, sources: MetricsSources): void {
  let registry: Promise<Registry> | undefined;
  app.get('/metrics', async (_request, reply) => {
    const made = await (registry ??= metricsRegistry(sources));
    reply.header('content-type', made.contentType);
    return made.metrics();
  });
}

async function metricsRegistry(sources: MetricsSources): Promise<Registry> {
  const { Counter, Gauge, Registry } = await import('prom-client');
  const registry = new Registry();
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
      new type({
        name,
        help,
        registers: [registry],
        collect(this: InstanceType<typeof Gauge> | InstanceType<typeof Counter>) {
          this.reset();
          this.inc(read(stats()));
        },
      });
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
