import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from '../support/api.js';
import { samples } from '../support/metrics-text.js';

const DASHBOARD = JSON.parse(readFileSync(new URL('../../deploy/grafana-dashboard.json', import.meta.url), 'utf8'));

/** PromQL words that are not metric names: functions are followed by "(", these are not always. */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'le', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads: its identifiers once label matchers (`{...}`),
 * grouping lists (`by (...)`), ranges (`[5m]`), strings and numbers are taken out, less the
 * functions and aggregations (followed by "(") and the keywords.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '');
  return [...bare.matchAll(/\b([a-zA-Z_:][\w:]*)\b(?!\s*\()/g)].map((m) => m[1]!).filter((word) => !KEYWORDS.has(word.toLowerCase()));
}

/** Every PromQL expression in the dashboard: its panels' queries and its variables' `label_values(...)` sources. */
function expressions(): string[] {
  const panels = DASHBOARD.panels as Array<{ targets: Array<{ expr: string }> }>;
  const variables = DASHBOARD.templating.list as Array<{ query: string }>;
  return [...panels.flatMap((panel) => panel.targets.map((target) => target.expr)), ...variables.map((v) => /label_values\(([^,)]+)/.exec(v.query)![1]!)];
}

describe('deploy/grafana-dashboard.json', () => {
  let api: TestApi;
  const saved = { ...process.env };
  beforeAll(async () => {
    // An S3 store whose endpoint refuses connections: its requests fail, so every S3 series exists,
    // the errors included, without a gateway.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    Object.assign(process.env, { AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' });
    api = await startApi('sqlite', { env: { PRODIMG_BLOB_STORE: 's3', PRODIMG_S3_BUCKET: 'images', PRODIMG_S3_FORCE_PATH_STYLE: '1', AWS_REGION: 'us-east-1' } });
  });
  afterAll(async () => {
    await api.close();
    process.env = saved;
  });

  it('reads out metric names, not functions, labels or keywords', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le, route) (rate(a_bucket{status=~"5..", x="y"}[5m]))) / sum(b_total) or on (job) c')).toEqual(['a_bucket', 'b_total', 'c']);
  });

  it('queries only metrics that a real /metrics scrape has', async () => {
    // One request first, so the HTTP series exist; /readyz's write probe makes the S3 ones.
    expect((await api.call('GET', '/readyz')).statusCode).toBe(503);
    const scraped = new Set(samples((await api.call('GET', '/metrics')).body).map((s) => s.name));
    const named = [...new Set(expressions().flatMap(metricNames))];
    expect(named.length).toBeGreaterThanOrEqual(6);
    expect(named.filter((name) => !scraped.has(name))).toEqual([]);
  });

  it("has every S3 metric docs/images.md names (this scrape's server keeps its files in a bucket)", async () => {
    const section = readFileSync(new URL('../../docs/images.md', import.meta.url), 'utf8').split('### Metrics')[1]!;
    const named = [...section.matchAll(/`(prodimg_s3_\w+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThanOrEqual(3);
    expect((await api.call('GET', '/readyz')).statusCode).toBe(503);
    const body = (await api.call('GET', '/metrics')).body;
    expect(named.filter((name) => !new RegExp(`^${name}\\b`, 'm').test(body))).toEqual([]);
  });

  it('has the panels the README promises: request rate, p95 latency by route, 5xx rate, queue depths, memory, S3 requests and errors', () => {
    const exprs = expressions().join('\n');
    for (const wanted of ['prodimg_http_requests_total', 'histogram_quantile(0.95', 'status=~"5.."', 'prodimg_queue_waiting', 'prodimg_process_resident_memory_bytes', 'prodimg_s3_requests_total', 'prodimg_s3_request_duration_seconds_bucket', 'prodimg_s3_errors_total']) {
      expect(exprs).toContain(wanted);
    }
  });
});
