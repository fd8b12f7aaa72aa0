import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type ClientOptions, createClient, type RetryEvent } from '../../src/client/index.js';
import { API_VERSIONS } from '../../src/contract/versions.js';
import { ImageSchema, ProductSchema, VariantSchema } from '../../src/contract/schemas.js';
import { startApi, type TestApi } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';
import { createShopToken } from '../support/shops.js';

/** Small app buckets for rate-limited tokens (2 requests, leaking 1 a second): a 429 in three requests. */
const LIMITS = 'app:2/1,store:100/50';

/** Whatever the client sends, with the answers' status and headers, as a fetch that passes through. */
function recording() {
  const sent: Array<{ method: string; url: string; status: number; requestId: string | null; retryAfter: string | null }> = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const response = await globalThis.fetch(input, init);
    sent.push({ method: init?.method ?? 'GET', url: String(input), status: response.status, requestId: response.headers.get('request-id'), retryAfter: response.headers.get('retry-after') });
    return response;
  };
  return { sent, fetch };
}

/** The ApiError a call throws (fails the test when it resolves or throws anything else). */
async function thrown(call: Promise<unknown>): Promise<ApiError> {
  const error = await call.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe.each(DIALECTS)('prodimg/client against a real server on %s', (dialect) => {
  let api: TestApi;
  let client: ReturnType<typeof createClient>;
  const clientAs = (options: Partial<ClientOptions> = {}) => createClient({ baseUrl: api.base, token: api.token, ...options });
  beforeAll(async () => {
    api = await startApi(dialect, { env: { PRODIMG_RATE_LIMIT: LIMITS } });
    client = clientAs();
  });
  afterAll(() => api.close());

  it('images: create, list, count, get, update and delete answer the unwrapped objects', async () => {
    const { id } = await api.product(1);
    const created = await client.images.create(id, { src: 'https://img.example.com/front.jpg', alt: 'Front', width: 300, height: '200', position: 1 });
    expect(Object.keys(created)).toEqual(Object.keys(ImageSchema.properties));
    expect(created).toMatchObject({ product_id: id, position: 1, src: 'https://img.example.com/front.jpg', alt: 'Front', width: 300, height: 200 });

    const list = await client.images.list(id);
    expect(list.map((image) => image.position)).toEqual([1, 2]);
    expect(list[0]).toEqual(created);
    expect(await client.images.count(id)).toBe(2);
    expect(await client.images.get(id, created.id)).toEqual(created);

    const moved = await client.images.update(id, created.id, { position: 2, alt: 'Back' });
    expect(moved).toMatchObject({ id: created.id, position: 2, alt: 'Back' });
    expect(await client.images.delete(id, created.id)).toBeUndefined();
    expect(await client.images.count(id)).toBe(1);
  });

  it('products: create, get, update, list with its query, count and delete', async () => {
    const title = `Shirt ${randomUUID()}`;
    const product = await client.products.create({ title, images: [{ src: 'https://img.example.com/a.jpg' }], options: [{ name: 'Size', values: ['S'] }] });
    expect(Object.keys(product)).toEqual(Object.keys(ProductSchema.properties));
    expect(product).toMatchObject({ title, images: [{ src: 'https://img.example.com/a.jpg', position: 1 }], options: [{ name: 'Size', values: ['S'] }] });
    expect(await client.products.get(product.id)).toEqual(product);

    const renamed = await client.products.update(product.id, { title: `${title} (linen)`, published: false });
    expect(renamed).toMatchObject({ id: product.id, title: `${title} (linen)`, published: false });

    const page = await client.products.list({ ids: product.id, fields: 'id,title' });
    expect(page).toEqual({ cursor: '', pre_cursor: '', products: [{ id: product.id, title: `${title} (linen)` }] });
    expect(await client.products.count({ title })).toBe(1);
    expect(await client.products.count({ title, published_status: 'published' })).toBe(0);

    expect(await client.products.delete(product.id)).toBeUndefined();
    expect(await client.products.count({ title })).toBe(0);
  });

  it('products.iterate follows each page\'s cursor until the last page, oldest first', async () => {
    // A store of its own, so the pages hold these products only.
    const { sent, fetch } = recording();
    const store = createClient({ baseUrl: api.base, token: await createShopToken(api.db.database, `iter${dialect}`), fetch });
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await store.products.create({ title: `P${i}` }));
    // Oldest first: by created_at (whole seconds), then by id.
    const made = created.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id)).map((product) => product.id);

    const seen: string[] = [];
    for await (const product of store.products.iterate({ per_page: 2, fields: 'id' })) seen.push(product.id!);
    expect(seen).toEqual(made);
    const lists = sent.filter((request) => request.method === 'GET');
    expect(lists.map((request) => new URL(request.url).searchParams.has('cursor'))).toEqual([false, true, true]);

    // Stopping early stops asking.
    for await (const product of store.products.iterate({ per_page: 2 })) {
      expect(product.id).toBe(made[0]);
      break;
    }
    expect(sent.filter((request) => request.method === 'GET')).toHaveLength(4);
  });

  it('variants: create, list, count, get, update and delete (get and update by the variant id alone)', async () => {
    const product = await client.products.create({ title: 'Tee', options: [{ name: 'Size', values: ['S', 'M'] }], variants: [{ option1: 'S', price: '10' }, { option1: 'M', price: '12' }] });
    const created = await client.variants.create(product.id, { option1: 'L', price: 9 });
    expect(Object.keys(created)).toEqual(Object.keys(VariantSchema.properties));
    expect(created).toMatchObject({ product_id: product.id, option1: 'L', price: '9.00', position: 3 });

    expect((await client.variants.list(product.id)).map((variant) => variant.option1)).toEqual(['S', 'M', 'L']);
    expect(await client.variants.count(product.id)).toBe(3);
    expect(await client.variants.get(created.id)).toEqual(created);
    expect(await client.variants.update(created.id, { price: '11.5', image_id: product.images[0]?.id ?? null })).toMatchObject({ id: created.id, price: '11.50' });
    expect(await client.variants.delete(product.id, created.id)).toBeUndefined();
    expect(await client.variants.count(product.id)).toBe(2);
  });

  it.each(API_VERSIONS.map((version) => [version.name, version.errors] as const))('in %s (%s errors), answers and errors come out alike', async (version, family) => {
    const { sent, fetch } = recording();
    const v = clientAs({ version, fetch });
    const product = await v.products.create({ title: `In ${version}`, images: [{ src: 'https://img.example.com/v.jpg' }] });
    expect(sent[0]!.url).toBe(`${api.base}/openapi/${version}/products`);
    expect(await v.products.get(product.id)).toEqual(product);
    expect((await v.products.list({ ids: product.id })).products.map((p) => p.id)).toEqual([product.id]);
    expect(await v.products.count()).toBeGreaterThan(0);
    const [image] = await v.images.list(product.id);
    expect(await v.images.count(product.id)).toBe(1);
    expect(await v.images.get(product.id, image!.id)).toEqual(image);
    expect(await v.images.update(product.id, image!.id, { alt: 'Alt' })).toMatchObject({ id: image!.id, alt: 'Alt' });
    const [variant] = await v.variants.list(product.id);
    expect(await v.variants.get(variant!.id)).toEqual(variant);
    expect(await v.images.delete(product.id, image!.id)).toBeUndefined();

    const missing = await thrown(v.images.get(product.id, randomUUID()));
    expect({ status: missing.status, errors: missing.errors, code: missing.code }).toEqual(
      family === 'classic' ? { status: 422, errors: ['Record not found'], code: undefined } : { status: 404, errors: ['Record not found'], code: 'NotFound' },
    );
    expect(missing.requestId).toBe(sent.at(-1)!.requestId);
  });

  describe('errors in the classic versions', () => {
    it('401 for an unknown token: errors[], the body as received, the Request-Id', async () => {
      const { sent, fetch } = recording();
      const error = await thrown(clientAs({ token: 'not-a-token', fetch }).products.count());
      expect(error).toMatchObject({ name: 'ApiError', status: 401, errors: ['Unauthorized'], body: { errors: ['Unauthorized'] }, code: undefined, message: '401 Unauthorized' });
      expect(error.requestId).toMatch(/\S/);
      expect(error.requestId).toBe(sent[0]!.requestId);
    });

    it('401 for an inactive store: its singular "error" as the one element', async () => {
      await api.shops.create('inactive', { name: 'Inactive' });
      const { token } = await api.shops.createToken('inactive', ['read_product']);
      await api.shops.setActive('inactive', false);
      const error = await thrown(clientAs({ token }).products.count());
      expect(error).toMatchObject({ status: 401, errors: ['store is not active'], body: { error: 'store is not active' } });
    });

    it('403 for a missing scope', async () => {
      const { token } = await api.shops.createToken('alpha', ['read_product']);
      const error = await thrown(clientAs({ token }).products.create({ title: 'T' }));
      expect(error).toMatchObject({ status: 403, errors: ['Forbidden: this action requires the write_product scope'] });
    });

    it('404 and 422: not found, and every message of a refused body', async () => {
      const { id } = await api.product(0);
      expect(await thrown(client.images.delete(randomUUID(), randomUUID()))).toMatchObject({ status: 404, errors: ['Product not found'] });
      expect(await thrown(client.images.delete(id, randomUUID()))).toMatchObject({ status: 404, errors: ['Image not found'] });
      expect(await thrown(client.products.get(randomUUID()))).toMatchObject({ status: 422, errors: ['Record not found'] });
      const refused = await thrown(client.images.create(id, { src: 'not a url', width: 0 }));
      expect(refused).toMatchObject({ status: 422, body: { errors: refused.errors } });
      expect(refused.errors).toEqual(['Src must be a valid URL', 'Width must be greater than 0']);
    });
  });

  describe('errors in the envelope versions', () => {
    /** What a call's ApiError holds of an envelope error: the code, and its message as the one element. */
    const envelope = (status: number, code: string, message: string) => ({ status, code, errors: [message], body: { code, message } });

    it('401 Unauthorized, 400 StoreNotActive, 403 AccessDenied', async () => {
      expect(await thrown(clientAs({ version: '2025-06', token: 'not-a-token' }).products.count())).toMatchObject(envelope(401, 'Unauthorized', 'Unauthorized'));
      await api.shops.create('dormant', { name: 'Dormant' });
      const { token: dormant } = await api.shops.createToken('dormant', ['read_product']);
      await api.shops.setActive('dormant', false);
      expect(await thrown(clientAs({ version: '2026-01', token: dormant }).products.count())).toMatchObject(envelope(400, 'StoreNotActive', 'store is not active'));
      const { token: readOnly } = await api.shops.createToken('alpha', ['read_product']);
      expect(await thrown(clientAs({ version: '2025-06', token: readOnly }).products.create({ title: 'T' }))).toMatchObject(
        envelope(403, 'AccessDenied', 'Forbidden: this action requires the write_product scope'),
      );
    });

    it('400 InvalidParameter: the joined message stays one element', async () => {
      const error = await thrown(clientAs({ version: '2026-01' }).images.get('nope', '42'));
      expect(error).toMatchObject({ status: 400, code: 'InvalidParameter', errors: ['ProductId must be a valid UUID; ImageId must be a valid UUID'] });
    });
  });

  describe('429 from the rate limiter', () => {
    const limitedToken = async () => (await api.shops.createToken('alpha', ['read_product'], { rateLimited: true })).token;

    it('is retried after the Retry-After it names, and the call answers', async () => {
      const { sent, fetch } = recording();
      const retries: RetryEvent[] = [];
      const limited = clientAs({ token: await limitedToken(), fetch, onRetry: (retry) => retries.push(retry) });
      // Until the bucket is full: a 429, waited out, then the answer.
      for (let i = 0; i < 20 && retries.length === 0; i++) expect(await limited.products.count()).toBeGreaterThanOrEqual(0);
      const refused = sent.find((request) => request.status === 429)!;
      expect(retries).toEqual([{ method: 'GET', path: '/products/count', status: 429, attempt: 1, waitMs: Number(refused.retryAfter) * 1000 }]);
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(sent.at(-1)!.status).toBe(200);
    });

    it('gives up after maxRetries with the 429 as an ApiError', async () => {
      let retries: RetryEvent[] = [];
      const limited = clientAs({ token: await limitedToken(), maxRetries: 2, maxRetryWaitMs: 1, onRetry: (retry) => retries.push(retry) });
      let error: ApiError | undefined;
      for (let i = 0; i < 20 && !error; i++) {
        retries = [];
        error = await limited.products.count().then(() => undefined, (err: ApiError) => err);
      }
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status: 429, body: { errors: error!.errors } });
      expect(error!.errors[0]).toMatch(/^Too Many Requests: the app's bucket for this store is full \(2 requests, leaking 1 per second\); retry after \d+ s$/);
      // The wait is capped at maxRetryWaitMs, whatever Retry-After said.
      expect(retries.map((retry) => [retry.attempt, retry.waitMs])).toEqual([
        [1, 1],
        [2, 1],
      ]);
    });
  });
});
