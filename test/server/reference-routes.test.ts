import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument, servedVersion } from '../../src/contract/openapi-document.js';
import { startApi, type TestApi } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

// The document reads one thing from the database (the store its `{subdomain}` defaults to): every dialect.
describe.each(DIALECTS)('/openapi.json and /docs (%s)', (dialect) => {
  let api: TestApi;
  let port: number;
  beforeAll(async () => {
    // A minute apart: "made first" is decided by the clock, not by the subdomain's spelling.
    let minute = 0;
    api = await startApi(dialect, { clock: () => new Date(Date.UTC(2024, 3, 8, 7, minute++, 0)).toISOString().slice(0, 19) + 'Z' });
    port = Number(new URL(api.base).port);
  });
  afterAll(() => api.close());

  it('serves the document of the version asked for, its servers at the port the request came to', async () => {
    const res = await api.call('GET', '/openapi.json?version=2022-01', undefined, { 'access-token': '' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.json()).toEqual(openApiDocument(servedVersion('2022-01')!, { baseDomain: 'myshoplaza.localhost', port, bodyLimit: api.config.bodyLimit, store: 'alpha' }));
  });

  // Issue 22: Try It! went to store123 whatever the stores were called, and got "store is not active".
  it("defaults {subdomain} to the first active store, by creation, as the stores change; store123 when none is active", async () => {
    const subdomainDefault = async () => {
      const document = (await api.call('GET', '/openapi.json?version=2022-01', undefined, { 'access-token': '' })).json();
      return document.servers[0].variables.subdomain as { default: string; enum?: string[] };
    };
    // Only the default: the document is public, and a list of every store's subdomain would tell anyone.
    expect(await subdomainDefault()).toEqual({ default: 'alpha' });
    await api.shops.create('aardvark');
    expect((await subdomainDefault()).default).toBe('alpha');
    await api.shops.setActive('alpha', false);
    expect((await subdomainDefault()).default).toBe('aardvark');
    await api.shops.setActive('aardvark', false);
    expect((await subdomainDefault()).default).toBe('store123');
    await api.shops.setActive('alpha', true);
    expect((await subdomainDefault()).default).toBe('alpha');
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
