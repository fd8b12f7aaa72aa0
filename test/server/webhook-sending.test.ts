import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryDelay } from '../../src/server/webhooks/retry-schedule.js';
import { webhookBody } from '../../src/server/webhooks/webhook-payload.js';
import { createWebhookSender } from '../../src/server/webhooks/webhook-sender.js';
import { wireContexts } from '../../src/server/wire-context.js';
import { startWebhookListener, type WebhookListener } from '../support/webhook-listener.js';

describe('retry schedule', () => {
  it.each([
    // failed attempts so far, delay after them (base 5 s), with 8 attempts at most
    [1, 5_000],
    [2, 15_000],
    [3, 45_000],
    [4, 150_000],
    [5, 600_000],
    [6, 1_800_000],
    [7, 3_600_000],
  ])('after %i failed attempts waits %i ms', (failed, delay) => {
    expect(retryDelay(failed, 5_000, 8)).toBe(delay);
  });

  it('makes three attempts within the first minute with the default base', () => {
    let at = 0;
    const times = [0];
    for (let failed = 1; failed < 4; failed++) times.push((at += retryDelay(failed, 5_000, 8)!));
    expect(times.filter((t) => t < 60_000)).toHaveLength(3);
  });

  it('gives up after the last attempt', () => {
    expect(retryDelay(8, 5_000, 8)).toBeNull();
    expect(retryDelay(1, 100, 1)).toBeNull();
  });
});

describe('webhook sender', () => {
  let listener: WebhookListener;
  beforeAll(async () => {
    listener = await startWebhookListener();
  });
  afterAll(() => listener.close());

  it('refuses a private address through the image library guard, by name or IP, unless private addresses are allowed', async () => {
    const guarded = createWebhookSender({ allowPrivate: false, timeoutMs: 2000 });
    const viaName = listener.address.replace('127.0.0.1', 'localhost');
    for (const address of [listener.address, viaName]) {
      const outcome = await guarded.send(address, Buffer.from('{}'), {});
      expect(outcome).toMatchObject({ ok: false, statusCode: null, error: 'address is private (PRODIMG_ALLOW_PRIVATE_SOURCES=1 allows it)' });
    }
    await guarded.close();
    expect(listener.received).toHaveLength(0);
    const open = createWebhookSender({ allowPrivate: true, timeoutMs: 2000 });
    expect(await open.send(listener.address, Buffer.from('{}'), {})).toMatchObject({ ok: true, statusCode: 200 });
    await open.close();
  });

  it('reports a listener that does not answer in time, and one that refuses connections', async () => {
    const sender = createWebhookSender({ allowPrivate: true, timeoutMs: 300 });
    listener.answer = () => 200;
    const { createServer } = await import('node:http');
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    expect(await sender.send(`http://127.0.0.1:${port}/`, Buffer.from('{}'), {})).toMatchObject({ ok: false, error: 'no answer within 300 ms' });
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    expect(await sender.send(`http://127.0.0.1:${port}/`, Buffer.from('{}'), {})).toMatchObject({ ok: false, error: 'connection refused' });
    await sender.close();
  });
});

describe('webhook payload', () => {
  const product = {
    id: 'p', title: 'T', images: [{ id: 'i', product_id: 'p', position: 1, src: '0123456789abcdef0123456789abcdef.jpg', path: '0123456789abcdef0123456789abcdef.jpg', width: 1, height: 1, alt: '', created_at: '', updated_at: '' }],
    options: [], variants: [],
  };
  it.each([
    [{ cdnHost: 'cdn.example.com', publicUrl: '//api.example.com', listen: '127.0.0.1:8080' }, '//cdn.example.com/'],
    [{ cdnHost: undefined, publicUrl: '//api.example.com', listen: '127.0.0.1:8080' }, '//api.example.com/cdn/'],
    [{ cdnHost: undefined, publicUrl: undefined, listen: '127.0.0.1:8080' }, '//127.0.0.1:8080/cdn/'],
  ])('makes library src URLs on PRODIMG_CDN_HOST, else PRODIMG_PUBLIC_URL, else the listen address (%o)', (settings, base) => {
    const wire = wireContexts({ cdnHost: settings.cdnHost, publicUrl: settings.publicUrl, listenAddress: () => settings.listen });
    const body = JSON.parse(webhookBody({ product }, wire(undefined)).toString());
    expect(body.product.images[0].src).toBe(`${base}0123456789abcdef0123456789abcdef.jpg`);
    expect(body.product.image.src).toBe(body.product.images[0].src);
  });

  // Issue 23: an event stored before migration 015 has none of the fields it added.
  it('sends an event stored before the product fields existed with their defaults', () => {
    const stored = { ...product, variants: [{ id: 'v', product_id: 'p', title: 'Default Title', price: '1.00', inventory_quantity: 2, image_id: '', image: null }] };
    const body = JSON.parse(webhookBody({ product: stored }, { cdnBase: '//x/cdn', ownBases: [] }).toString());
    expect(body.product).toMatchObject({ brief: '', requires_shipping: true, taxable: true, inventory_policy: 'continue', fake_sales: 0, inventory_quantity: 2 });
    expect(body.product.variants[0]).toMatchObject({ price: '1.00', cost_price: '0.00', note: '' });
  });

  it('sends any other content as stored', () => {
    expect(webhookBody({ shop: { id: 's' } }, { cdnBase: '//x/cdn', ownBases: [] }).toString()).toBe('{"shop":{"id":"s"}}');
  });
});
