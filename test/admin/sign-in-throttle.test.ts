import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { AdminAuth } from '../../src/domain/admin-auth.js';
import { AppService } from '../../src/domain/app-service.js';
import { systemClock } from '../../src/domain/clock.js';
import { goQueryEncode } from '../../src/domain/oauth-hmac.js';
import { ShopService } from '../../src/domain/shop-service.js';
import { oauthSettings } from '../../src/oauth-settings.js';
import { openSecretBox } from '../../src/secret-box.js';
import { buildApp } from '../../src/server/build-app.js';
import { SIGN_IN_LIMITS } from '../../src/server/sign-in-throttle.js';
import { KyselyAdminKeyRepository } from '../../src/storage/admin-key-repository.js';
import { createRepositories } from '../../src/storage/repositories.js';
import { freshDatabase, type TestDatabase } from '../support/databases.js';
import { captureLogs } from '../support/log-capture.js';

const WARNING = 'admin sign-in: too many wrong keys from this address; refusing it until its window ends';

/**
 * Wrong admin keys from one address (issue 22: 3000 in 19 s went through): after SIGN_IN_LIMITS.failures
 * of them, 429 with Retry-After and one warning in the log, on the admin page's sign-in and the
 * consent page's alike; the right key still works from another address. Each address is a
 * request's remoteAddress, as app.inject sets it.
 */
describe('admin sign-in throttling', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let lines: Array<Record<string, unknown>>;
  let key: string;
  let authorize: Record<string, string>;

  const adminSignIn = (remoteAddress: string, withKey: string) => app.inject({ method: 'POST', url: '/__prodimg/admin/api/session', payload: { key: withKey }, remoteAddress });
  const consentSignIn = (remoteAddress: string, withKey: string) =>
    app.inject({
      method: 'POST',
      url: '/admin/oauth/sign-in',
      headers: { host: 'alpha.myshoplaza.localhost', 'content-type': 'application/x-www-form-urlencoded' },
      payload: goQueryEncode({ ...authorize, key: withKey }),
      remoteAddress,
    });

  beforeAll(async () => {
    const captured = captureLogs();
    lines = captured.lines;
    db = await freshDatabase('sqlite');
    const config = loadConfig({ PRODIMG_DATA_DIR: db.dataDir, PRODIMG_INGEST: 'off', PRODIMG_STARTUP_SWEEP: '0' });
    app = await buildApp({ config, database: db.database, logger: captured.logger });
    const repos = createRepositories(db.database);
    await new ShopService(repos.shops, repos.tokens, systemClock).create('alpha', { name: 'Alpha' });
    key = (await new AdminAuth(new KyselyAdminKeyRepository(db.database.db), systemClock).createKey('ops')).key;
    const secrets = await openSecretBox({ secretKey: undefined, dataDir: db.dataDir }, db.database);
    const apps = new AppService(repos.apps, repos.shops, repos.tokens, secrets, systemClock, oauthSettings(config));
    const { app: made } = await apps.create({ name: 'Sync', redirectUri: 'https://app.example/cb' });
    authorize = { client_id: made.client_id, redirect_uri: 'https://app.example/cb', response_type: 'code', scope: 'read_product', state: 's' };
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('answers 429 with Retry-After after repeated wrong keys from one address, even to the right key, and warns once', async () => {
    for (let i = 0; i < SIGN_IN_LIMITS.failures; i++) expect((await adminSignIn('203.0.113.7', `pia_wrong${i}`)).statusCode).toBe(401);
    for (const tried of ['pia_wrong', key]) {
      const res = await adminSignIn('203.0.113.7', tried);
      expect(res.statusCode).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(SIGN_IN_LIMITS.windowMs / 1000 - 60);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(SIGN_IN_LIMITS.windowMs / 1000);
      expect(res.json()).toEqual({ errors: ['Too Many Requests: too many wrong admin keys from this address'] });
    }
    const warnings = lines.filter((line) => line.msg === WARNING);
    expect(warnings).toEqual([expect.objectContaining({ level: 40, address: '203.0.113.7', retryAfter: expect.any(Number) })]);
    // The log never holds a key, right or wrong.
    expect(JSON.stringify(lines)).not.toContain('pia_');
  });

  it('still signs in with the right key from another address', async () => {
    const res = await adminSignIn('198.51.100.2', key);
    expect(res.statusCode).toBe(200);
    expect(res.json().csrf_token).toMatch(/^[0-9a-f]{48}$/);
    expect((await consentSignIn('198.51.100.2', key)).statusCode).toBe(303);
  });

  it("throttles the consent page's sign-in too, counting against the same address", async () => {
    // The address refused on the admin page is refused here as well, with a page.
    const shared = await consentSignIn('203.0.113.7', key);
    expect(shared.statusCode).toBe(429);
    expect(shared.headers['retry-after']).toMatch(/^\d+$/);
    expect(shared.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(shared.body).toContain('Too many wrong admin keys from this address: try again in 15 minutes.');
    expect(shared.headers['set-cookie']).toBeUndefined();
    // Wrong keys on the consent page alone.
    for (let i = 0; i < SIGN_IN_LIMITS.failures; i++) expect((await consentSignIn('192.0.2.9', 'pia_nope')).statusCode).toBe(401);
    expect((await consentSignIn('192.0.2.9', key)).statusCode).toBe(429);
    expect((await adminSignIn('192.0.2.9', key)).statusCode).toBe(429);
    expect(lines.filter((line) => line.msg === WARNING).map((line) => line.address)).toEqual(['203.0.113.7', '192.0.2.9']);
  });
});
