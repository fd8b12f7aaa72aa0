import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookDeliveries } from '../../src/storage/webhook-deliveries.js';
import { BIN, cliEnv } from '../reliability/support-server.js';
import { startApi, type TestApi } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';
import { WAIT_MS, waitsTimeout } from '../support/waiting.js';
import { startWebhookListener, type WebhookListener } from '../support/webhook-listener.js';

const ENV = { PRODIMG_ALLOW_PRIVATE_SOURCES: '1', PRODIMG_WEBHOOK_RETRY_MS: '100', PRODIMG_WEBHOOK_MAX_ATTEMPTS: '3' };

describe.each(DIALECTS)('webhooks through the CLI on %s', (dialect) => {
  let api: TestApi;
  let listener: WebhookListener;
  const run = (...args: string[]) => {
    const res = spawnSync(process.execPath, [BIN, ...args], { env: cliEnv({ dataDir: api.db.dataDir, databaseUrl: api.db.databaseUrl, extra: ENV }), encoding: 'utf8', timeout: WAIT_MS });
    if (res.error) throw new Error(`prodimg ${args.join(' ')}: ${res.error.message}`);
    return { code: res.status, stdout: res.stdout, stderr: res.stderr };
  };

  beforeAll(async () => {
    api = await startApi(dialect, { env: ENV });
    listener = await startWebhookListener();
  });
  afterAll(async () => {
    await api?.close();
    await listener?.close();
  });

  it('shops webhook-secret signs; trigger fires a real event; deliveries --failed shows the attempts; redeliver sends it again', async () => {
    const secret = run('shops', 'webhook-secret', 'alpha');
    expect(secret.code).toBe(0);
    expect(secret.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(run('shops', 'webhook-secret', 'alpha').stdout).toBe(secret.stdout);
    listener.secret = secret.stdout.trim();
    expect((await api.call('POST', 'webhooks', { topic: 'products/update', address: listener.address })).statusCode).toBe(200);
    const { id } = await api.product(0);

    const fired = run('webhooks', 'trigger', 'products/update', '--shop', 'alpha', '--product', id);
    expect(fired.code).toBe(0);
    expect(JSON.parse(fired.stdout)).toEqual({ topic: 'products/update', shop: 'alpha', deliveries: 1 });
    const [first] = await listener.until(1);
    expect(first!.signed).toBe(true);
    expect(JSON.parse(first!.body).product.id).toBe(id);

    listener.answer = () => 500;
    run('webhooks', 'trigger', 'products/update', '--shop', 'alpha');
    const tries = (await listener.until(4)).slice(1);
    const dedup = String(tries[0]!.headers['x-shoplazza-deduplication-id']);
    expect(tries.every((r) => r.headers['x-shoplazza-deduplication-id'] === dedup)).toBe(true);
    await untilFailed(new WebhookDeliveries(api.db.database.db, api.db.database.dialect), dedup);
    const failed = JSON.parse(run('webhooks', 'deliveries', '--failed').stdout);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ id: dedup, shop: 'alpha', topic: 'products/update', status: 'failed', last_error: 'answered 500' });
    expect(failed[0].attempts.map((a: { status: number; error: string }) => [a.status, a.error])).toEqual(Array(3).fill([500, 'answered 500']));

    listener.answer = () => 200;
    expect(JSON.parse(run('webhooks', 'redeliver', dedup).stdout)).toEqual({ redelivering: dedup });
    const again = (await listener.until(5)).at(-1)!;
    expect(again.headers['x-shoplazza-deduplication-id']).toBe(dedup);
    expect(run('webhooks', 'redeliver', 'nope')).toMatchObject({ code: 2 });
    expect(run('webhooks', 'trigger', 'orders/create', '--shop', 'alpha').stderr).toContain('topic must be one of products/create');
  }, waitsTimeout(4));
});

async function untilFailed(deliveries: WebhookDeliveries, id: string): Promise<void> {
  for (const deadline = Date.now() + WAIT_MS; Date.now() < deadline; ) {
    if ((await deliveries.list({ failed: true })).some((d) => d.id === id)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`delivery ${id} not failed within ${WAIT_MS} ms`);
}
