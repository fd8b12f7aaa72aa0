import type { Counter, Gauge, Registry } from 'prom-client';

/**
 * A metric whose value is read when scraped, into `registry`: a Counter, or a Gauge for a level. The
 * one way `/metrics` exposes a component's own counts (metrics.ts) and the primary's worker counts
 * (worker-counts.ts).
 */
export function scrapedMetric(registry: Registry, type: typeof Gauge | typeof Counter, name: string, help: string, value: () => number): void {
  new type({
    name,
    help,
    registers: [registry],
    collect(this: InstanceType<typeof Gauge> | InstanceType<typeof Counter>) {
      this.reset();
      this.inc(value());
    },
  });
}
