import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSecretBox } from '../../src/secret-box.js';
import { SigningSecrets } from '../../src/storage/signing-secrets.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { createShopToken } from '../support/shops.js';
import { WAIT_MS, waitsTimeout } from '../support/waiting.js';
import { startWebhookListener, type Received, type WebhookListener } from '../support/webhook-listener.js';
import { cliEnv, type ServeProcess, startServe } from './support-server.js';

/** Retries start after 300 ms: short for CI, long enough to kill the server between attempts. */
const SETTINGS = { PRODIMG_ALLOW_PRIVATE_SOURCES: '1', PRODIMG_WEBHOOK_RETRY_MS: '300', PRODIMG_WEBHOOK_MAX_ATTEMPTS: '20', PRODIMG_WEBHOOK_TIMEOUT_MS: '3000', PRODIMG_LOG_LEVEL: 'info' };

describe('webhook deliveries survive kill -9 and are shared by several servers', () => {
  describe.each(DIALECTS)('on %s', (dialect) => {
    let db: TestDatabase;
    let listener: WebhookListener;
    let token: string;
    const servers: ServeProcess[] = [];

    beforeAll(async () => {
      db = await freshDatabase(dialect);
      token = await createShopToken(db.database, 'hooked');
      listener = await startWebhookListener();
      const shop = await db.database.db.selectFrom('shops').select('id').where('subdomain', '=', 'hooked').executeTakeFirstOrThrow();
      // The servers' key is the data directory's key file, which this makes first.
      listener.secret = await new SigningSecrets(db.database.db, await openSecretBox({ secretKey: undefined, dataDir: db.dataDir }, db.database)).storeSecret(shop.id);
    });
    // A test that fails leaves no sender behind to disturb the next.
    afterEach(async () => {
      for (const server of servers.splice(0)) {
        server.kill();
        await server.exited;
      }
    });
    afterAll(async () => {
      await listener.close();
      await db.drop();
    });

    const serve = async (args: string[] = [], listeners = 1, settings: Record<string, string> = {}) => {
      const server = await startServe(cliEnv({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, extra: { ...SETTINGS, ...settings } }), args, listeners);
      servers.push(server);
      return server;
    };
    const call = async (server: ServeProcess, method: string, path: string, body?: unknown) => {
      const response = await fetch(`${server.base}/openapi/2022-01/${path}`, {
        method,
        headers: { 'access-token': token, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      expect(response.status).toBe(200);
      return response.json() as Promise<any>;
    };
    const deliveryIds = async () => (await db.database.db.selectFrom('webhook_deliveries').select('id').execute()).map((row) => row.id).sort();
    /** Resolves once every delivery in the database has reached the listener with a 2xx answer. */
    const untilAllDelivered = async (expected: number) => {
      const ids = await deliveryIds();
      expect(ids).toHaveLength(expected);
      const delivered = () => new Set(listener.received.filter((r) => r.status === 200).map((r) => String(r.headers['x-shoplazza-deduplication-id'])));
      while (!ids.every((id) => delivered().has(id))) await listener.until(listener.received.length + 1, `deliveries of ${expected} events`);
      await untilRecorded();
      return ids;
    };
    /** Every delivery recorded as delivered, so that killing its sender now cannot make it send one again. */
    const untilRecorded = async () => {
      for (const deadline = Date.now() + WAIT_MS; ; ) {
        const pending = await db.database.db.selectFrom('webhook_deliveries').select('id').where('status', '!=', 'delivered').execute();
        if (pending.length === 0) return;
        if (Date.now() > deadline) throw new Error(`${pending.length} deliveries not recorded as delivered`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    /** Every request of one deduplication id carried the same event, signed. */
    const expectSameEventPerId = (received: Received[]) => {
      const byId = new Map<string, Set<string>>();
      for (const r of received) {
        expect(r.signed).toBe(true);
        const id = String(r.headers['x-shoplazza-deduplication-id']);
        byId.set(id, (byId.get(id) ?? new Set()).add(r.body));
      }
      for (const bodies of byId.values()) expect(bodies.size).toBe(1);
    };

    it('delivers every event made before a SIGKILL between attempts once a server starts again, with the same deduplication ids', async () => {
      const first = await serve();
      await call(first, 'POST', 'webhooks', { topic: 'products/create', address: listener.address });
      await call(first, 'POST', 'webhooks', { topic: 'products/update', address: listener.address });
      listener.answer = () => 503;
      const start = listener.received.length;
      const made: string[] = [];
      for (let i = 0; i < 4; i++) made.push((await call(first, 'POST', 'products', { product: { title: `Hooked ${i}` } })).product.id);
      await call(first, 'PUT', `products/${made[0]}`, { product: { title: 'Renamed' } });
      // Each of the 5 events has failed at least once and waits for its retry: kill the server there.
      await first.waitForLog('webhook attempt failed; will retry', 5);
      first.kill();
      await first.exited;
      const beforeRestart = listener.received.length - start;
      expect(beforeRestart).toBeGreaterThanOrEqual(5);
      listener.answer = () => 200;
      await serve();
      const ids = await untilAllDelivered(5);
      const received = listener.received.slice(start);
      expectSameEventPerId(received);
      // Nothing but these five events was sent, each at least once, and every product came through.
      expect(new Set(received.map((r) => String(r.headers['x-shoplazza-deduplication-id'])))).toEqual(new Set(ids));
      const created = received.filter((r) => r.headers['x-shoplazza-topic'] === 'products/create').map((r) => JSON.parse(r.body).product.id);
      expect(new Set(created)).toEqual(new Set(made));
      const updated = received.find((r) => r.headers['x-shoplazza-topic'] === 'products/update')!;
      expect(JSON.parse(updated.body).product).toMatchObject({ id: made[0], title: 'Renamed' });
    }, waitsTimeout(4));

    it('sends a delivery again after its sender was killed in the middle of an attempt, once the lease has run out', async () => {
      // A lease lasts the attempt's time limit + 5 s.
      const quick = { PRODIMG_WEBHOOK_TIMEOUT_MS: '1000' };
      const first = await serve([], 1, quick);
      const start = listener.received.length;
      listener.answer = (index) => (index === start ? 0 : 200);
      const product = (await call(first, 'POST', 'products', { product: { title: 'Mid-attempt' } })).product;
      const [held] = (await listener.until(start + 1, 'the first attempt')).slice(start);
      expect(JSON.parse(held!.body).product.id).toBe(product.id);
      first.kill();
      await first.exited;
      await serve([], 1, quick);
      const ofProduct = () => listener.received.slice(start + 1).filter((r) => JSON.parse(r.body).product?.id === product.id);
      while (ofProduct().length === 0) await listener.until(listener.received.length + 1, 'the attempt made again');
      const again = ofProduct()[0]!;
      expect(again.status).toBe(200);
      expect(again.headers['x-shoplazza-deduplication-id']).toBe(held!.headers['x-shoplazza-deduplication-id']);
      expect(again.body).toBe(held!.body);
      await untilRecorded();
    }, waitsTimeout(3));

    it('sends each delivery from one of several server processes sharing the database, once', async () => {
      const cluster = await serve(['--workers', '2'], 2);
      listener.answer = () => 200;
      const earlier = await deliveryIds();
      const before = earlier.length;
      const start = listener.received.length;
      await Promise.all(Array.from({ length: 12 }, (_, i) => call(cluster, 'POST', 'products', { product: { title: `Shared ${i}` } })));
      const ids = await untilAllDelivered(before + 12);
      const received = listener.received.slice(start);
      expectSameEventPerId(received);
      const fresh = received.map((r) => String(r.headers['x-shoplazza-deduplication-id'])).filter((id) => !earlier.includes(id));
      expect(fresh).toHaveLength(12);
      expect(new Set(fresh).size).toBe(12);
      expect(fresh.every((id) => ids.includes(id))).toBe(true);
      // Each process logs what it delivered: twelve lines in all, whichever process sent each.
      await cluster.waitForLog('webhook delivered', 12);
      const lines = cluster.logs.filter((entry) => entry.msg === 'webhook delivered');
      expect(new Set(lines.map((entry) => entry.delivery)).size).toBe(lines.length);
    }, waitsTimeout(3));
  });
});
