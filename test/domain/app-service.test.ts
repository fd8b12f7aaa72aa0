import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { AppService, OAuthError } from '../../src/domain/app-service.js';
import { SecretBox } from '../../src/secret-box.js';
import { createRepositories } from '../../src/storage/repositories.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';

const MINUTE = 60_000;

describe.each(DIALECTS)('OAuth codes and tokens over time, on %s', (dialect) => {
  let db: TestDatabase;
  afterEach(() => db.drop());

  it('a code older than 10 minutes and a refresh token older than 30 days are refused; younger ones work', async () => {
    db = await freshDatabase(dialect);
    const repos = createRepositories(db.database);
    let now = Date.UTC(2026, 0, 1);
    const settings = { baseDomain: 'myshoplaza.localhost', codeTtlMs: 10 * MINUTE, accessTokenTtlMs: 60 * MINUTE, refreshTokenTtlMs: 30 * 24 * 60 * MINUTE };
    const apps = new AppService(repos.apps, repos.shops, repos.tokens, new SecretBox(randomBytes(32)), () => '2026-01-01T00:00:00Z', settings, () => now);
    await repos.shops.create({ subdomain: 'alpha', name: 'Alpha', email: '', currency: 'USD', timezone: '+0000' }, '2026-01-01T00:00:00Z');
    const { app, clientSecret } = await apps.create({ name: 'Clock', redirectUri: 'https://app.example/cb' });
    const query = { client_id: app.client_id, redirect_uri: 'https://app.example/cb', response_type: 'code', scope: 'read_product', state: 's' };
    const codeOf = async () => new URL(await apps.approve(await apps.authorize('alpha', query))).searchParams.get('code')!;
    const exchange = (code: string) => apps.exchange('alpha', { client_id: app.client_id, client_secret: clientSecret, grant_type: 'authorization_code', code, redirect_uri: 'https://app.example/cb' });
    const refuse = (promise: Promise<unknown>) => promise.then(() => null, (err: unknown) => (err instanceof OAuthError ? `${err.error}: ${err.description}` : err));

    const late = await codeOf();
    now += 10 * MINUTE + 1;
    expect(await refuse(exchange(late))).toBe('invalid_grant: code is unknown, used or expired');
    const fresh = await codeOf();
    now += 10 * MINUTE - 1;
    const tokens = await exchange(fresh);
    expect(tokens.expires_in).toBe(3600);
    now += 30 * 24 * 60 * MINUTE + 1;
    const refresh = { client_id: app.client_id, client_secret: clientSecret, grant_type: 'refresh_token', refresh_token: tokens.refresh_token };
    expect(await refuse(apps.exchange('alpha', refresh))).toBe('invalid_grant: refresh_token is unknown, used or expired');
  });
});
