import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/databases.js';
import { sampleValue } from '../support/metrics-text.js';
import { cliEnv, type ServeProcess, startServe } from './support-server.js';

/**
 * `prodimg serve --workers 2`: the port is shared, so a scrape reaches one worker or the other;
 * either way /metrics must report both together (prom-client's cluster aggregator in the primary).
 */
describe('/metrics of `prodimg serve --workers 2`', () => {
  let db: TestDatabase;
  let server: ServeProcess;
  beforeAll(async () => {
    db = await freshDatabase('sqlite');
    await db.database.close();
    server = await startServe(cliEnv({ dataDir: db.dataDir }), ['--workers', '2'], 2);
  });
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    await db?.drop().catch(() => {});
  });

  /** One request on its own connection: the primary hands connections to the workers in turn. */
  const get = async (path: string) => {
    const answer = await request(`${server.base}${path}`, { reset: true });
    return { status: answer.statusCode, body: await answer.body.text() };
  };

  it('counts the requests every worker answered, whichever worker the scrape reaches', async () => {
    const sent = 10;
    for (let i = 0; i < sent; i++) expect((await get('/healthz')).status).toBe(200);
    // Both workers answered some (the primary's round robin), so one worker alone would count fewer.
    const workers = new Set(server.logs.filter((entry) => entry.msg === 'prodimg listening').map((entry) => entry.pid));
    expect(workers.size).toBe(2);
    for (let scrape = 0; scrape < 4; scrape++) {
      const metrics = await get('/metrics');
      expect(metrics.status).toBe(200);
      expect(sampleValue(metrics.body, 'prodimg_http_requests_total', { route: '/healthz', method: 'GET', status: '200' })).toBe(sent);
      expect(sampleValue(metrics.body, 'prodimg_http_request_duration_seconds_count', { route: '/healthz', status: '200' })).toBe(sent);
      // Each worker's queues are there, summed: two workers' render slots wait for nothing now.
      expect(sampleValue(metrics.body, 'prodimg_queue_waiting', { queue: 'render' })).toBe(0);
    }
  });
});
