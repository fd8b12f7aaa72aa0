import type { S3Outcome, S3RequestRecorder } from '../imaging/s3-client.js';
import { BUCKETS, type CollectedMetric } from './http-stats.js';

interface Series {
  operation: string;
  outcomes: Map<S3Outcome, number>;
  /** By S3 error or network code: failures only, not the expected 404 and 412. */
  errors: Map<string, number>;
  counts: number[];
  sum: number;
  count: number;
}

/**
 * Requests to the S3 bucket by operation (PutObject, GetObject, ...) and outcome, their latency, and
 * their errors by code; plain numbers until /metrics is scraped, handed to prom-client's registry in
 * its JSON shape like HttpStats. Operations are few (the SDK's command names), and so are codes.
 */
export class S3Stats implements S3RequestRecorder {
  private readonly series = new Map<string, Series>();

  record(operation: string, outcome: S3Outcome, seconds: number, error?: string): void {
    let series = this.series.get(operation);
    if (series === undefined) {
      series = { operation, outcomes: new Map(), errors: new Map(), counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.series.set(operation, series);
    }
    series.outcomes.set(outcome, (series.outcomes.get(outcome) ?? 0) + 1);
    if ((outcome === 'unavailable' || outcome === 'client_error') && error !== undefined) series.errors.set(error, (series.errors.get(error) ?? 0) + 1);
    series.count++;
    series.sum += seconds;
    const bucket = BUCKETS.findIndex((bound) => seconds <= bound);
    if (bucket >= 0) series.counts[bucket]!++;
  }

  /** `prodimg_s3_requests_total`, `prodimg_s3_request_duration_seconds` and `prodimg_s3_errors_total`. */
  metrics(): CollectedMetric[] {
    const total: CollectedMetric = { name: 'prodimg_s3_requests_total', help: 'requests to the S3 bucket, retries included, by operation and outcome', type: 'counter', aggregator: 'sum', values: [] };
    const latency: CollectedMetric = {
      name: 'prodimg_s3_request_duration_seconds',
      help: 'time of an S3 request, its retries included, by operation',
      type: 'histogram',
      aggregator: 'sum',
      values: [],
    };
    const errors: CollectedMetric = { name: 'prodimg_s3_errors_total', help: 'failed S3 requests (not the expected 404 and 412) by operation and error code', type: 'counter', aggregator: 'sum', values: [] };
    for (const { operation, outcomes, errors: byCode, counts, sum, count } of this.series.values()) {
      for (const [outcome, value] of outcomes) total.values.push({ labels: { operation, outcome }, value });
      for (const [error, value] of byCode) errors.values.push({ labels: { operation, error }, value });
      let cumulative = 0;
      BUCKETS.forEach((le, i) => {
        cumulative += counts[i]!;
        latency.values.push({ labels: { operation, le }, value: cumulative, metricName: `${latency.name}_bucket` });
      });
      latency.values.push({ labels: { operation, le: '+Inf' }, value: count, metricName: `${latency.name}_bucket` });
      latency.values.push({ labels: { operation }, value: sum, metricName: `${latency.name}_sum` });
      latency.values.push({ labels: { operation }, value: count, metricName: `${latency.name}_count` });
    }
    return [total, latency, errors];
  }
}
