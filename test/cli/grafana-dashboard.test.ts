import { readFileSync } from 'node:fs';
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
  beforeAll(async () => {
    api = await startApi('sqlite');
  });
  afterAll(() => api.close());

  it('reads out metric names, not functions, labels or keywords', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le, route) (rate(a_bucket{status=~"5..", x="y"}[5m]))) / sum(b_total) or on (job) c')).toEqual(['a_bucket', 'b_total', 'c']);
  });

  it('queries only metrics that a real /metrics scrape has', async () => {
    // One request first, so the HTTP series exist.
    expect((await api.call('GET', '/healthz')).statusCode).toBe(200);
    const scraped = new Set(samples((await api.call('GET', '/metrics')).body).map((s) => s.name));
    const named = [...new Set(expressions().flatMap(metricNames))];
    expect(named.length).toBeGreaterThanOrEqual(6);
    expect(named.filter((name) => !scraped.has(name))).toEqual([]);
  });

  it('has the panels the README promises: request rate, p95 latency by route, 5xx rate, queue depths, memory', () => {
    const exprs = expressions().join('\n');
    for (const wanted of ['prodimg_http_requests_total', 'histogram_quantile(0.95', 'status=~"5.."', 'prodimg_queue_waiting', 'prodimg_process_resident_memory_bytes']) expect(exprs).toContain(wanted);
  });
});
