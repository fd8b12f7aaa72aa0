import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOO_MANY_WEBHOOKS, WEBHOOK_SUBSCRIPTIONS_MAX, WEBHOOK_TOPICS } from '../../src/domain/webhooks.js';
import { startApi, type TestApi } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

const TOPIC_REFUSAL = `Topic is not allowed, allowed topic are: ${WEBHOOK_TOPICS.join(', ')}`;
const ADDRESS = 'https://app.example.com/hooks';

describe.each(DIALECTS)('webhook subscriptions on %s', (dialect) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(() => api.close());

  const deliveries = () => api.db.database.db.selectFrom('webhook_deliveries').innerJoin('webhook_events', 'webhook_events.id', 'webhook_deliveries.event_id')
    .select(['webhook_deliveries.topic', 'webhook_deliveries.api_version', 'webhook_events.payload', 'webhook_deliveries.status']).orderBy('webhook_events.created_at').execute();

  it('subscribes with a flat body in 2020-07 and 2022-01 and a "webhook" object from 2025-06, and answers the subscription object', async () => {
    const flat = await api.call('POST', '/openapi/2022-01/webhooks', { topic: 'products/update', address: ADDRESS });
    expect(flat.statusCode).toBe(200);
    const webhook = flat.json().webhook;
    expect(Object.keys(webhook)).toEqual(['id', 'topic', 'address', 'format', 'created_at', 'updated_at']);
    expect(webhook).toMatchObject({ topic: 'products/update', address: ADDRESS, format: 'json' });
    expect((await api.call('POST', '/openapi/2020-07/webhooks', { topic: 'products/create', address: ADDRESS })).statusCode).toBe(200);
    const wrapped = await api.call('POST', '/openapi/2025-06/webhooks', { webhook: { topic: 'products/delete', address: ADDRESS } });
    expect(wrapped.statusCode).toBe(200);
    expect(wrapped.json()).toMatchObject({ code: 'Success', data: { webhook: { topic: 'products/delete' } } });
    // Each version takes only its own shape.
    expect((await api.call('POST', '/openapi/2026-01/webhooks', { topic: 'products/delete', address: ADDRESS })).json()).toEqual({
      code: 'InvalidParameter',
      message: 'Bad Request: body must be a JSON object with a "webhook" object',
    });
    expect((await api.call('POST', '/openapi/2022-01/webhooks', { webhook: { topic: 'products/update', address: ADDRESS } })).json()).toEqual({ errors: [TOPIC_REFUSAL, 'Address is invalid'] });

    const list = await api.call('GET', '/openapi/2022-01/webhooks');
    // Oldest first; made within one second here, so in any order.
    expect(list.json().webhooks.map((w: { topic: string }) => w.topic).sort()).toEqual(['products/create', 'products/delete', 'products/update']);
    expect((await api.call('GET', '/openapi/2022-01/webhooks?limit=1&page=2')).json().webhooks).toHaveLength(1);
    expect((await api.call('GET', '/openapi/2022-01/webhooks/count')).json()).toEqual({ count: 3 });
    expect((await api.call('GET', `/openapi/2025-06/webhooks/${webhook.id}`)).json()).toEqual({ code: 'Success', data: { webhook } });

    const moved = await api.call('PUT', `/openapi/2025-06/webhooks/${webhook.id}`, { webhook: { address: 'https://other.example.com/x' } });
    expect(moved.json().data.webhook).toMatchObject({ id: webhook.id, topic: 'products/update', address: 'https://other.example.com/x' });
    expect((await api.call('DELETE', `/openapi/2022-01/webhooks/${webhook.id}`)).json()).toEqual({});
    expect((await api.call('GET', `/openapi/2022-01/webhooks/${webhook.id}`)).json()).toEqual({ errors: ['Record not found'] });
    expect((await api.call('DELETE', `/openapi/2025-06/webhooks/${webhook.id}`)).statusCode).toBe(404);
  });

  it("refuses a topic not allowed and an invalid address with the reference's messages", async () => {
    const both = await api.call('POST', '/openapi/2022-01/webhooks', { topic: 'orders/create', address: 'ftp://x' });
    expect(both.statusCode).toBe(422);
    expect(both.json()).toEqual({ errors: [TOPIC_REFUSAL, 'Address is invalid'] });
    const enveloped = await api.call('POST', '/openapi/2025-06/webhooks', { webhook: { topic: 'products/update', address: 'not a url' } });
    expect(enveloped.statusCode).toBe(400);
    expect(enveloped.json()).toEqual({ code: 'InvalidParameter', message: 'Address is invalid' });
    // A private address is refused unless PRODIMG_ALLOW_PRIVATE_SOURCES=1.
    // U+0000 cannot be stored on PostgreSQL: refused as the platform refuses any bad address, never a 500.
    for (const address of ['http://127.0.0.1:8080/x', 'http://[::1]/x', 'http://169.254.169.254/latest', 'https://a.example/\u0000', 'https://user:pw@a.example/']) {
      expect((await api.call('POST', '/openapi/2022-01/webhooks', { topic: 'products/update', address })).json()).toEqual({ errors: ['Address is invalid'] });
    }
    expect((await api.call('GET', '/openapi/2022-01/webhooks?limit=251')).json()).toEqual({ errors: ['Limit must be less than or equal to 250'] });
    expect((await api.call('GET', '/openapi/2022-01/webhooks?page=0')).json()).toEqual({ errors: ['Page must be greater than or equal to 1'] });
    expect((await api.call('PUT', '/openapi/2022-01/webhooks/nope', { topic: 'x' })).json()).toEqual({ errors: ['WebhookId must be a valid UUID'] });
  });

  it('needs the read scope of the topic: read_product (or write_product) for product topics', async () => {
    const { token } = await api.shops.createToken('alpha', ['read_shop']);
    const refused = await api.call('POST', '/openapi/2022-01/webhooks', { topic: 'products/update', address: ADDRESS }, { 'access-token': token });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ errors: ['Forbidden: this action requires the read_product scope'] });
    expect((await api.call('POST', '/openapi/2022-01/webhooks', { topic: 'app/uninstalled', address: ADDRESS }, { 'access-token': token })).statusCode).toBe(200);
    const { token: reader } = await api.shops.createToken('alpha', ['read_product']);
    expect((await api.call('POST', '/openapi/2022-01/webhooks', { topic: 'products/update', address: ADDRESS }, { 'access-token': reader })).statusCode).toBe(200);
  });

  it("writes an event in the change's own transaction, with the product as the change left it, for every image and variant change", async () => {
    const before = (await deliveries()).length;
    const { id, imageIds } = await api.product(1);
    expect((await api.call('PUT', `products/${id}/images/${imageIds[0]}`, { image: { alt: 'front' } })).statusCode).toBe(200);
    const variantId = (await api.call('GET', `products/${id}/variants`)).json().variants[0].id;
    expect((await api.call('PUT', `variants/${variantId}`, { variant: { price: '3.00' } })).statusCode).toBe(200);
    // A refused change (unknown image) writes nothing.
    expect((await api.call('PUT', `products/${id}/images/00000000-0000-4000-8000-000000000000`, { image: { alt: 'x' } })).statusCode).toBe(422);
    expect((await api.call('DELETE', `products/${id}`)).statusCode).toBe(200);
    // Made within a second: counted by topic, not ordered.
    const made = (await deliveries()).slice(before);
    const topics = made.map((d) => d.topic).sort();
    expect(topics).toEqual(['products/create', 'products/delete', 'products/update', 'products/update']);
    const products = made.filter((d) => d.topic === 'products/update').map((d) => JSON.parse(d.payload).product);
    expect(products.every((product) => product.id === id && product.images[0].alt === 'front')).toBe(true);
    expect(products.map((product) => product.variants[0].price).sort()).toEqual(['0.00', '3.00']);
    expect(made.every((d) => d.status === 'pending')).toBe(true);
  });

  it(`holds at most ${WEBHOOK_SUBSCRIPTIONS_MAX} subscriptions per store, even made at once, and refuses more in each family's shape (issue 22)`, async () => {
    await api.shops.create('crowded', { name: 'Crowded' });
    const { token } = await api.shops.createToken('crowded', ['read_product']);
    const as = { 'access-token': token };
    // All at once, five too many: the count is taken under the store's lock, so exactly the cap gets in.
    const made = await Promise.all(
      Array.from({ length: WEBHOOK_SUBSCRIPTIONS_MAX + 5 }, (_, i) => api.call('POST', '/openapi/2022-01/webhooks', { topic: 'products/update', address: `${ADDRESS}/${i}` }, as)),
    );
    expect(made.filter((res) => res.statusCode === 200)).toHaveLength(WEBHOOK_SUBSCRIPTIONS_MAX);
    expect(new Set(made.filter((res) => res.statusCode !== 200).map((res) => `${res.statusCode} ${res.body}`))).toEqual(new Set([`422 ${JSON.stringify({ errors: [TOO_MANY_WEBHOOKS] })}`]));
    expect((await api.call('GET', '/openapi/2022-01/webhooks/count', undefined, as)).json()).toEqual({ count: WEBHOOK_SUBSCRIPTIONS_MAX });
    expect(TOO_MANY_WEBHOOKS).toBe('Webhooks must be less than or equal to 100 per store');

    const classic = await api.call('POST', '/openapi/2020-07/webhooks', { topic: 'products/create', address: ADDRESS }, as);
    expect(classic.statusCode).toBe(422);
    expect(classic.json()).toEqual({ errors: [TOO_MANY_WEBHOOKS] });
    const enveloped = await api.call('POST', '/openapi/2025-06/webhooks', { webhook: { topic: 'products/create', address: ADDRESS } }, as);
    expect(enveloped.statusCode).toBe(400);
    expect(enveloped.json()).toEqual({ code: 'InvalidParameter', message: TOO_MANY_WEBHOOKS });
    // Other stores are not counted against it, and a deleted subscription makes room.
    expect((await api.call('POST', '/openapi/2022-01/webhooks', { topic: 'products/create', address: ADDRESS })).statusCode).toBe(200);
    const first = (await api.call('GET', '/openapi/2022-01/webhooks?limit=1', undefined, as)).json().webhooks[0];
    expect((await api.call('DELETE', `/openapi/2022-01/webhooks/${first.id}`, undefined, as)).statusCode).toBe(200);
    expect((await api.call('POST', '/openapi/2026-01/webhooks', { webhook: { topic: 'products/create', address: ADDRESS } }, as)).statusCode).toBe(200);
  });
});
