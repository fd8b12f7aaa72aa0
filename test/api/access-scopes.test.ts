import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

describe.each(DIALECTS)('GET /oauth/access_scopes on %s', (dialect) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(() => api.close());

  it("lists the calling token's scopes, whatever they are, in each version's envelope", async () => {
    const { token: readOnly } = await api.shops.createToken('alpha', ['read_product']);
    const full = await api.call('GET', '/openapi/2022-01/oauth/access_scopes');
    expect(full.body).toBe('{"access_scopes":[{"handle":"read_product"},{"handle":"write_product"},{"handle":"read_shop"}]}');
    const narrow = await api.call('GET', '/openapi/2020-07/oauth/access_scopes', undefined, { 'access-token': readOnly });
    expect(narrow.json()).toEqual({ access_scopes: [{ handle: 'read_product' }] });
    const enveloped = await api.call('GET', '/openapi/2025-06/oauth/access_scopes', undefined, { 'access-token': readOnly });
    expect(enveloped.json()).toEqual({ code: 'Success', data: { access_scopes: [{ handle: 'read_product' }] } });
  });

  it('still needs a valid token of an active store', async () => {
    const res = await api.call('GET', '/openapi/2022-01/oauth/access_scopes', undefined, { 'access-token': 'nope' });
    expect({ status: res.statusCode, body: res.json() }).toEqual({ status: 401, body: { errors: ['Unauthorized'] } });
    const other = await api.call('GET', '/openapi/2022-01/oauth/access_scopes', undefined, { host: 'beta.myshoplaza.localhost' });
    expect({ status: other.statusCode, body: other.json() }).toEqual({ status: 401, body: { error: 'store is not active' } });
  });
});
