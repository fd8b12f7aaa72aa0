import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/server/build-app.js';
import { startApi, type TestApi, V } from '../support/api.js';
import { DIALECTS, freshDatabase } from '../support/databases.js';
import { captureLogs } from '../support/log-capture.js';
import { createShopToken } from '../support/shops.js';

describe.each(DIALECTS)('secrets at rest on %s', (dialect) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(() => api.close());

  it('stores tokens only as their SHA-256, never in clear', async () => {
    const rows = await api.db.database.db.selectFrom('access_tokens').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toBe(createHash('sha256').update(api.token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(api.token);
  });
});

describe('logs', () => {
  it('carry the request id on every line of a request, and never the token', async () => {
    const { logger, lines } = captureLogs();
    const db = await freshDatabase('sqlite');
    const config = loadConfig({ PRODIMG_DATA_DIR: db.dataDir, PRODIMG_INGEST: 'off', PRODIMG_STARTUP_SWEEP: '0' });
    const app = await buildApp({ config, database: db.database, logger });
    try {
      const token = await createShopToken(db.database, 'alpha');
      const headers = { 'access-token': token, 'content-type': 'application/json' };
      const ids = new Set<string>();
      for (const request of [
        { method: 'POST' as const, url: `${V}/products`, payload: '{"product":{"title":"t"}}' },
        { method: 'GET' as const, url: `${V}/products/nope/images/1` },
        { method: 'GET' as const, url: `${V}/products`, headers: { 'access-token': 'not-the-token' } },
        { method: 'GET' as const, url: '/nowhere' },
        { method: 'POST' as const, url: `${V}/products`, payload: '{broken' },
        // A token sent in the query string (as some clients do) must not reach the log either.
        { method: 'GET' as const, url: `${V}/products/count?access_token=${token}&per_page=2`, headers: {} },
        { method: 'GET' as const, url: `/cdn/x.jpg?Signature=${token}#${token}`, headers: {} },
      ]) {
        const res = await app.inject({ headers, ...request });
        ids.add(String(res.headers['request-id']));
      }
      const requestLines = lines.filter((line) => line.msg === 'request');
      expect(requestLines).toHaveLength(7);
      for (const line of requestLines) expect(ids.has(String(line.reqId))).toBe(true);
      const everything = JSON.stringify(lines);
      expect(everything).not.toContain(token);
      expect(everything.toLowerCase()).not.toContain('access-token');
      expect(requestLines.map((line) => line.url).slice(5)).toEqual([
        `${V}/products/count?access_token=[REDACTED]&per_page=2`,
        '/cdn/x.jpg?Signature=[REDACTED]',
      ]);
    } finally {
      await app.close();
      await db.drop();
    }
  });
});
