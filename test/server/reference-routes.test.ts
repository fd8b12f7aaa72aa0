import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument, servedVersion } from '../../src/contract/openapi-document.js';
import { startApi, type TestApi } from '../support/api.js';

// The reference routes read no database: SQLite alone.
describe('/openapi.json and /docs', () => {
  let api: TestApi;
  let port: number;
  beforeAll(async () => {
    api = await startApi('sqlite');
    port = Number(new URL(api.base).port);
  });
  afterAll(() => api.close());

  it('serves the document of the version asked for, its servers at the port the request came to', async () => {
    const res = await api.call('GET', '/openapi.json?version=2022-01', undefined, { 'access-token': '' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.json()).toEqual(openApiDocument(servedVersion('2022-01')!, { baseDomain: 'myshoplaza.localhost', port, bodyLimit: api.config.bodyLimit }));
  });

  it('serves the newest version without ?version, and refuses an unknown one in the contract shape', async () => {
    expect((await api.call('GET', '/openapi.json')).json().info.version).toBe('2026-01');
    const bad = await api.call('GET', '/openapi.json?version=2019-01');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ errors: ['Bad Request: version must be one of 2020-07, 2022-01, 2025-06, 2026-01'] });
  });

  it('serves /docs with its script from this server and nothing from elsewhere', async () => {
    const page = await api.call('GET', '/docs/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const sources = [...page.body.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources).toEqual(['js/scalar.js']);
    for (const version of ['2020-07', '2022-01', '2025-06', '2026-01']) expect(page.body).toContain(`/openapi.json?version=${version}`);
    expect(page.body).toContain('"withDefaultFonts": false');
    const redirect = await api.call('GET', '/docs');
    expect([redirect.statusCode, redirect.headers.location]).toEqual([301, '/docs/']);
    const missing = await api.call('GET', '/docs/nothing-here');
    expect([missing.statusCode, missing.json()]).toEqual([404, { errors: ['Not Found'] }]);
    const script = await api.call('GET', '/docs/js/scalar.js');
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
  });
});
