import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEnv, type ServeProcess, startServe } from '../reliability/support-server.js';
import { createShopToken } from '../support/shops.js';
import { freshDatabase, type TestDatabase } from '../support/databases.js';
import { within } from '../support/waiting.js';

const STORE = 'alpha.myshoplaza.localhost';

describe('serve --tls', () => {
  let db: TestDatabase;
  const servers: ServeProcess[] = [];
  afterAll(async () => {
    for (const server of servers) server.kill();
    await db?.drop();
  });

  const listening = (server: ServeProcess) => server.logs.find((entry) => entry.msg === 'prodimg listening')! as { address: string; secureAddress: string; trustCa?: string };
  /** An HTTPS request to the store's host name (SNI and the certificate check use it), connected to the loopback address. */
  const get = async (base: string, path: string, ca: string | undefined, headers: Record<string, string> = {}) => {
    const dispatcher = new Agent({ connect: { ...(ca ? { ca } : {}), servername: STORE } });
    try {
      const res = await request(`${base}${path}`, { dispatcher, headers: { host: STORE, ...headers } });
      return { status: res.statusCode, body: await res.body.text() };
    } finally {
      await dispatcher.close();
    }
  };
  const stop = async (server: ServeProcess) => {
    server.child.kill('SIGTERM');
    expect(await within(server.exited, 'serve to exit after SIGTERM')).toEqual({ code: 0, signal: null });
  };

  it('serves the API over HTTPS beside HTTP, with a certificate for *.<base domain> from a local CA made once', async () => {
    db = await freshDatabase('sqlite');
    const token = await createShopToken(db.database, 'alpha');
    const env = cliEnv({ dataDir: db.dataDir });
    const server = await startServe(env, ['--tls', '--tls-port', '0']);
    servers.push(server);
    const { address, secureAddress, trustCa } = listening(server);
    expect(secureAddress).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(trustCa).toBe(join(db.dataDir, 'tls', 'ca.crt'));
    const ca = readFileSync(trustCa!, 'utf8');
    const cert = new X509Certificate(readFileSync(join(db.dataDir, 'tls', 'server.crt')));
    expect(cert.subjectAltName).toBe('DNS:*.myshoplaza.localhost, DNS:myshoplaza.localhost, DNS:localhost, IP Address:127.0.0.1');
    expect(cert.verify(new X509Certificate(ca).publicKey)).toBe(true);

    const secure = await get(secureAddress, '/openapi/2022-01/products/count', ca, { 'access-token': token });
    expect(secure).toEqual({ status: 200, body: '{"count":0}' });
    // Plain HTTP still answers, and a client that does not trust the CA is refused by TLS itself.
    expect((await request(`${address}/healthz`)).statusCode).toBe(200);
    await expect(get(secureAddress, '/healthz', undefined)).rejects.toThrow(/certificate/);
    await stop(server);

    // A restart keeps the CA (trusted once), and a user's own certificate and key serve as well.
    const again = await startServe(env, ['--tls', '--tls-port', '0']);
    servers.push(again);
    expect(readFileSync(trustCa!, 'utf8')).toBe(ca);
    expect((await get(listening(again).secureAddress, '/healthz', ca)).status).toBe(200);
    await stop(again);
    const own = mkdtempSync(join(tmpdir(), 'prodimg-own-cert-'));
    try {
      copyFileSync(join(db.dataDir, 'tls', 'server.crt'), join(own, 'c.pem'));
      copyFileSync(join(db.dataDir, 'tls', 'server.key'), join(own, 'k.pem'));
      const given = await startServe(env, ['--tls-cert', join(own, 'c.pem'), '--tls-key', join(own, 'k.pem'), '--tls-port', '0']);
      servers.push(given);
      expect(listening(given).trustCa).toBeUndefined();
      expect((await get(listening(given).secureAddress, '/healthz', ca)).status).toBe(200);
      await stop(given);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });
});
