import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED } from '../../src/stand-in/request-journal.js';
import { call, DIALECTS, standInOn } from './stand-in-support.js';

const TOKEN = 'journal-secret-token';

describe.each(DIALECTS)("the stand-in's journal on %s", (dialect) => {
  let stand: Awaited<ReturnType<typeof standInOn>>;
  beforeAll(async () => {
    stand = await standInOn(dialect, { seed: { shops: [{ subdomain: 'journal', tokens: [{ token: TOKEN }] }] } });
  });
  afterAll(() => stand.stop());

  it('shows "[redacted]" for client_secret, code, tokens and the Access-Token, in bodies and queries, over HTTP and in requests()', async () => {
    const { server } = stand;
    await server.reset();
    // The OAuth token endpoint, as the platform's SDK posts it (a form), and as JSON with a refresh token.
    const form = new URLSearchParams({ client_id: 'app-id', client_secret: 'client-secret-value', code: 'code-value', grant_type: 'authorization_code' });
    await fetch(`${server.url}/admin/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    await fetch(`${server.url}/admin/oauth/token?client_secret=query-secret-value&code=query-code-value`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'app-id', client_secret: 'client-secret-value', grant_type: 'refresh_token', refresh_token: 'refresh-value' }),
    });
    // The Access-Token header is not journaled; a body that carries one by name is redacted.
    await call(server, TOKEN, 'POST', '/openapi/2022-01/products', { product: { title: 'Lamp', 'Access-Token': TOKEN, metafields: [{ access_token: TOKEN }] } });

    const over = (await (await fetch(`${server.url}/__prodimg/requests`)).json()) as { requests: Array<{ path: string; body: unknown }> };
    expect(over.requests.map(({ path, body }) => ({ path, body }))).toEqual([
      { path: '/admin/oauth/token', body: { client_id: 'app-id', client_secret: REDACTED, code: REDACTED, grant_type: 'authorization_code' } },
      { path: `/admin/oauth/token?client_secret=${REDACTED}&code=${REDACTED}`, body: { client_id: 'app-id', client_secret: REDACTED, grant_type: 'refresh_token', refresh_token: REDACTED } },
      { path: '/openapi/2022-01/products', body: { product: { title: 'Lamp', 'Access-Token': REDACTED, metafields: [{ access_token: REDACTED }] } } },
    ]);
    expect(server.requests()).toEqual(over.requests);
    const text = JSON.stringify(over);
    for (const secret of [TOKEN, 'client-secret-value', 'code-value', 'query-secret-value', 'refresh-value']) expect(text).not.toContain(secret);
  });
});
