import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.js';
import { startApi, type TestApi } from '../support/api.js';

describe.each(DIALECTS)('/healthz and /readyz on %s', (dialect) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(() => api.close());

  it('/healthz answers 200 {"status":"ok"} without a token, repeatedly, never from the fast read path', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await api.call('GET', '/healthz', undefined, { 'access-token': '' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok' });
      expect(res.headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers['cache-control']).toBe('no-store');
    }
    expect(api.app.fastRead?.answered ?? 0).toBe(0);
  });

  it('/readyz answers 200 with each check ok while the database and file store answer', async () => {
    const res = await api.call('GET', '/readyz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', checks: { database: 'ok', blobs: 'ok' } });
  });

  it('the API paths are not changed by them: /openapi/2022-01/healthz is still a 404 in the contract shape', async () => {
    const res = await api.call('GET', '/openapi/2022-01/healthz');
    expect(res.statusCode).toBe(404);
  });

  // Last: it closes the database under the server.
  it('/readyz answers 503 naming the database once the database no longer answers, /healthz still 200', async () => {
    await api.db.database.close();
    const res = await api.call('GET', '/readyz');
    expect(res.statusCode).toBe(503);
    // With PostgreSQL the files live in the database too (PRODIMG_BLOB_STORE=database).
    const blobs = api.config.blobStore === 'database' ? 'failing' : 'ok';
    expect(res.json()).toEqual({ status: 'unavailable', checks: { database: 'failing', blobs } });
    expect((await api.call('GET', '/healthz')).statusCode).toBe(200);
  });
});
