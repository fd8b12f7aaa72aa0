import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSecretBox } from '../../src/secret-box.js';
import { SigningSecrets } from '../../src/storage/signing-secrets.js';
import { freshDatabase, type TestDatabase } from '../support/databases.js';
import { createShopToken } from '../support/shops.js';
import { waitsTimeout } from '../support/waiting.js';
import { startWebhookListener, type WebhookListener } from '../support/webhook-listener.js';
import { cliEnv, type ServeProcess, startServe } from './support-server.js';

/** Debian's libfaketime (`apt-get install faketime`, as .ci/run does): a process's wall clock moved, its monotonic clock left alone. */
const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const AHEAD_MS = 10 * 60_000;
const ahead = { LD_PRELOAD: LIBFAKETIME, FAKETIME: '+10m', FAKETIME_DONT_FAKE_MONOTONIC: '1' };

/**
 * Issue 28: webhook leases came from each server's Date.now(), so a server whose clock ran ahead
 * took leases another server still held and sent those deliveries a second time. Real clock skew:
 * server B runs under libfaketime 10 minutes ahead, on the PostgreSQL database of server A.
 */
describe.skipIf(!process.env.TEST_DATABASE_URL || !existsSync(LIBFAKETIME))(
  'webhook leases between servers whose clocks disagree (needs TEST_DATABASE_URL and Debian\'s faketime; SQLite servers share one machine and so one clock)',
  () => {
    let db: TestDatabase;
    let listener: WebhookListener;
    let token: string;
    const servers: ServeProcess[] = [];

    beforeAll(async () => {
      db = await freshDatabase('postgres');
      token = await createShopToken(db.database, 'skewed');
      listener = await startWebhookListener();
      const shop = await db.database.db.selectFrom('shops').select('id').where('subdomain', '=', 'skewed').executeTakeFirstOrThrow();
      listener.secret = await new SigningSecrets(db.database.db, await openSecretBox({ secretKey: undefined, dataDir: db.dataDir }, db.database)).storeSecret(shop.id);
    });
    afterAll(async () => {
      for (const server of servers) {
        server.kill();
        await server.exited;
      }
      await listener.close();
      await db.drop();
    });

    // A's one slot stays busy with the held attempt for the whole test (its lease: 60 s + 5 s).
    const serve = async (extra: Record<string, string>) => {
      const settings = {
        PRODIMG_ALLOW_PRIVATE_SOURCES: '1',
        PRODIMG_LOG_LEVEL: 'info',
        PRODIMG_WEBHOOK_TIMEOUT_MS: '60000',
        PRODIMG_WEBHOOK_RETRY_MS: '200',
        PRODIMG_WEBHOOK_STORE_IN_FLIGHT: '4',
        PRODIMG_WEBHOOK_ADDRESS_IN_FLIGHT: '4',
        ...extra,
      };
      const server = await startServe(cliEnv({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, extra: settings }));
      servers.push(server);
      return server;
    };
    const create = async (server: ServeProcess, path: string, body: unknown) => {
      const response = await fetch(`${server.base}/openapi/2022-01/${path}`, {
        method: 'POST',
        headers: { 'access-token': token, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
    };
    const dedup = (index: number) => String(listener.received[index]!.headers['x-shoplazza-deduplication-id']);

    it('a server whose clock is 10 minutes ahead claims no delivery another server holds a live lease on', async () => {
      const a = await serve({ PRODIMG_WEBHOOK_SLOTS: '1' });
      await create(a, 'webhooks', { topic: 'products/create', address: listener.address });
      // The receiver holds the first request open: A's attempt, and its lease, stay live.
      listener.answer = (index) => (index === 0 ? 0 : 200);
      await create(a, 'products', { product: { title: 'Held' } });
      await listener.until(1, "A's attempt of the first delivery");
      const held = dedup(0);

      const b = await serve({ ...ahead, PRODIMG_WEBHOOK_SLOTS: '4' });
      const started = b.logs.find((entry) => entry.msg === 'prodimg listening')!;
      expect(Number(started.time) - Date.now(), "B's clock is ahead (libfaketime works with Node here)").toBeGreaterThan(AHEAD_MS - 60_000);

      // Only B has a free slot, so B sends the second delivery. A claim takes the oldest due
      // delivery first, so had B taken A's lease for lapsed, it took it in this claim or an earlier one.
      await create(a, 'products', { product: { title: 'Second' } });
      await b.waitForLog('webhook delivered');
      const sent = listener.received.map((_, index) => dedup(index));
      expect(sent.filter((id) => id === held), 'the held delivery was sent once, by A').toHaveLength(1);
      expect(sent).toHaveLength(2);
      const row = await db.database.db.selectFrom('webhook_deliveries').select(['attempts', 'status']).where('id', '=', held).executeTakeFirstOrThrow();
      expect({ attempts: Number(row.attempts), status: row.status }, 'claimed by A alone').toEqual({ attempts: 1, status: 'pending' });
      expect(listener.held).toBe(1);
    }, waitsTimeout(4));
  },
);
