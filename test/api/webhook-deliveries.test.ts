import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSecretBox } from '../../src/secret-box.js';
import { createRepositories } from '../../src/storage/repositories.js';
import { SigningSecrets } from '../../src/storage/signing-secrets.js';
import { WebhookDeliveries } from '../../src/storage/webhook-deliveries.js';
import { startApi, type TestApi } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';
import { WAIT_MS, waitsTimeout } from '../support/waiting.js';
import { startWebhookListener, type WebhookListener } from '../support/webhook-listener.js';

// Short retries so the suite stays fast; three attempts at most.
const ENV = { PRODIMG_ALLOW_PRIVATE_SOURCES: '1', PRODIMG_WEBHOOK_RETRY_MS: '100', PRODIMG_WEBHOOK_MAX_ATTEMPTS: '3', PRODIMG_WEBHOOK_TIMEOUT_MS: '3000' };

describe.each(DIALECTS)('webhook deliveries on %s', (dialect) => {
  let api: TestApi;
  let listener: WebhookListener;
  let deliveries: WebhookDeliveries;
  beforeAll(async () => {
    api = await startApi(dialect, { env: ENV });
    const shop = (await createRepositories(api.db.database).shops.find('alpha'))!;
    const box = await openSecretBox(api.config, api.db.database);
    const secret = await new SigningSecrets(api.db.database.db, box).storeSecret(shop.id);
    listener = await startWebhookListener();
    listener.secret = secret;
    deliveries = new WebhookDeliveries(api.db.database.db, api.db.database.dialect);
  });
  afterAll(async () => {
    await api.close();
    await listener.close();
  });
  afterEach(async () => {
    for (const webhook of (await api.call('GET', 'webhooks')).json().webhooks) await api.call('DELETE', `webhooks/${webhook.id}`);
  });

  it('POSTs each change to the subscribed address, signed with the store secret, with the documented headers', async () => {
    await api.call('POST', '/openapi/2025-06/webhooks', { webhook: { topic: 'products/update', address: listener.address } });
    const start = listener.received.length;
    const { id, imageIds } = await api.product(1);
    await api.call('PUT', `products/${id}/images/${imageIds[0]}`, { image: { alt: 'side' } });
    const [got] = (await listener.until(start + 1)).slice(start);
    expect(got!.signed).toBe(true);
    expect(got!.headers).toMatchObject({
      'x-shoplazza-topic': 'products/update',
      'x-shoplazza-shop-domain': 'alpha.myshoplaza.localhost',
      'x-shoplazza-api-version': '2025-06',
      'content-type': 'application/json',
    });
    expect(got!.headers['x-shoplazza-deduplication-id']).toMatch(/^[0-9a-f-]{36}$/);
    // The full product as the API answers it (2022-01's product object), after the change.
    const product = JSON.parse(got!.body).product;
    expect(product).toEqual((await api.call('GET', `products/${id}`)).json().product);
    expect(product.images[0].alt).toBe('side');
  }, waitsTimeout(1));

  it('retries a failing listener with backoff, keeping the deduplication id, until it answers 2xx', async () => {
    await api.call('POST', 'webhooks', { topic: 'products/create', address: listener.address });
    const start = listener.received.length;
    listener.answer = (index) => (index < start + 2 ? 503 : 200);
    await api.product(0);
    const three = (await listener.until(start + 3)).slice(start);
    listener.answer = () => 200;
    expect(three.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(new Set(three.map((r) => r.headers['x-shoplazza-deduplication-id'])).size).toBe(1);
    expect(three.every((r) => r.signed)).toBe(true);
    const id = String(three[0]!.headers['x-shoplazza-deduplication-id']);
    const report = await untilStatus(deliveries, id, 'delivered');
    expect(report.attempts.map((a) => [a.attempt, a.status])).toEqual([[1, 503], [2, 503], [3, 200]]);
    expect(report.attempts[0]!.error).toBe('answered 503');
  }, waitsTimeout(2));

  it('marks a delivery failed after the last attempt, and redelivers it with the same deduplication id', async () => {
    await api.call('POST', 'webhooks', { topic: 'products/create', address: listener.address });
    const start = listener.received.length;
    listener.answer = () => 500;
    await api.product(0);
    const tries = (await listener.until(start + 3)).slice(start);
    const id = String(tries[0]!.headers['x-shoplazza-deduplication-id']);
    const failed = await untilStatus(deliveries, id, 'failed');
    expect(failed.attempts).toHaveLength(3);
    expect(failed.last_error).toBe('answered 500');
    expect((await deliveries.list({ failed: true })).map((d) => d.id)).toContain(id);
    listener.answer = () => 200;
    expect(await deliveries.redeliver(id, Date.now())).toBe(true);
    const again = (await listener.until(start + 4)).at(-1)!;
    expect(again.headers['x-shoplazza-deduplication-id']).toBe(id);
    expect((await untilStatus(deliveries, id, 'delivered')).attempts).toHaveLength(4);
  }, waitsTimeout(3));

  it("counts this process's attempts, deliveries and failures in /metrics", async () => {
    // The tests above: 1 + 3 + 3 + 1 attempts, 3 delivered, 1 marked failed.
    const expected = ['prodimg_webhook_attempts_total 8', 'prodimg_webhook_delivered_total 3', 'prodimg_webhook_failed_total 1'];
    let text = '';
    for (const deadline = Date.now() + WAIT_MS; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
      text = (await api.call('GET', '/metrics')).body;
      if (expected.every((line) => text.includes(line))) break;
    }
    for (const line of expected) expect(text).toContain(line);
  });
});

/** The delivery's report once it has `status` (polled: the outcome is written just after the answer), within WAIT_MS. */
async function untilStatus(deliveries: WebhookDeliveries, id: string, status: string) {
  for (const deadline = Date.now() + WAIT_MS; Date.now() < deadline; ) {
    const found = (await deliveries.list({ limit: 1000 })).find((d) => d.id === id);
    if (found?.status === status) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`delivery ${id} not ${status} within ${WAIT_MS} ms`);
}
