import { describe, expect, it } from 'vitest';
import { HttpStats } from '../../src/server/http-stats.js';

describe('HttpStats', () => {
  it('keeps one series per route, method and status, with cumulative latency buckets', () => {
    const stats = new HttpStats();
    stats.record('GET', '/a/:id', 200, 0.0004);
    stats.record('GET', '/a/:id', 200, 0.03);
    stats.record('GET', '/a/:id', 200, 60);
    stats.record('POST', '/a/:id', 422, 0.002);
    const [total, latency] = stats.metrics();
    expect(total!.values).toEqual([
      { labels: { route: '/a/:id', method: 'GET', status: '200' }, value: 3 },
      { labels: { route: '/a/:id', method: 'POST', status: '422' }, value: 1 },
    ]);
    const get = latency!.values.filter((v) => v.labels.method === 'GET');
    const bucket = (le: number | string) => get.find((v) => v.metricName?.endsWith('_bucket') && v.labels.le === le)?.value;
    // 0.4 ms is under the first bound; 30 ms under 0.05; a minute only under +Inf.
    expect([bucket(0.001), bucket(0.025), bucket(0.05), bucket(10), bucket('+Inf')]).toEqual([1, 1, 2, 2, 3]);
    expect(get.find((v) => v.metricName?.endsWith('_count'))?.value).toBe(3);
    expect(get.find((v) => v.metricName?.endsWith('_sum'))?.value).toBeCloseTo(60.0304);
  });
});
