/** Upper bounds (seconds) of the latency histogram's buckets: a fast read's tenth of a millisecond to a slow upload. */
export const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

interface Series {
  labels: { route: string; method: string; status: string };
  counts: number[];
  sum: number;
  count: number;
}

/** One metric in the shape prom-client's Registry reads (`registerMetric`) and its cluster aggregator sums. */
export interface CollectedMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: { labels: Record<string, string | number>; value: number; metricName?: string }[];
}

/**
 * HTTP requests answered, by route pattern (never the raw URL: the label's values stay few),
 * method and status, with their latency. Kept in plain numbers so that recording costs a map
 * lookup on the fast read path and prom-client is loaded only when /metrics is scraped; the two
 * metrics are handed to its registry in its own JSON shape (see `metrics`).
 */
export class HttpStats {
  private readonly series = new Map<string, Series>();

  record(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.series.get(key);
    if (series === undefined) {
      series = { labels: { route, method, status: String(status) }, counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    series.count++;
    series.sum += seconds;
    const bucket = BUCKETS.findIndex((bound) => seconds <= bound);
    if (bucket >= 0) series.counts[bucket]!++;
  }

  /** `prodimg_http_requests_total` and `prodimg_http_request_duration_seconds`, as prom-client metric objects. */
  metrics(): CollectedMetric[] {
    const total: CollectedMetric = { name: 'prodimg_http_requests_total', help: 'HTTP requests answered, by route pattern, method and status', type: 'counter', aggregator: 'sum', values: [] };
    const latency: CollectedMetric = {
      name: 'prodimg_http_request_duration_seconds',
      help: 'time from the request to the last byte of the answer, by route pattern, method and status',
      type: 'histogram',
      aggregator: 'sum',
      values: [],
    };
    for (const { labels, counts, sum, count } of this.series.values()) {
      total.values.push({ labels, value: count });
      let cumulative = 0;
      BUCKETS.forEach((le, i) => {
        cumulative += counts[i]!;
        latency.values.push({ labels: { ...labels, le }, value: cumulative, metricName: `${latency.name}_bucket` });
      });
      latency.values.push({ labels: { ...labels, le: '+Inf' }, value: count, metricName: `${latency.name}_bucket` });
      latency.values.push({ labels, value: sum, metricName: `${latency.name}_sum` });
      latency.values.push({ labels, value: count, metricName: `${latency.name}_count` });
    }
    return [total, latency];
  }
}

/** The route label of a request no route matched (a 404 from the router). */
export const UNMATCHED_ROUTE = 'unmatched';
