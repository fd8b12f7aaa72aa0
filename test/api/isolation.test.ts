import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

describe.each(DIALECTS)('cross-store isolation on %s', (dialect) => {
  let api: TestApi;
  let intruder: Record<string, string>;
  let victim: { id: string; imageIds: string[] };
  beforeAll(async () => {
    api = await startApi(dialect);
    victim = await api.product(2);
    await api.shops.create('mallory');
    const { token } = await api.shops.createToken('mallory', ['read_product', 'write_product']);
    intruder = { 'access-token': token };
  });
  afterAll(() => api.close());

  it('a token of another store cannot read, count, list, change or delete anything, even with the right UUIDs', async () => {
    const [imageId] = victim.imageIds;
    const p = victim.id;
    const attempts: Array<[string, string, unknown, number, unknown]> = [
      ['GET', `products/${p}/images`, undefined, 422, { errors: ['Record not found'] }],
      ['GET', `products/${p}/images/count`, undefined, 422, { errors: ['Record not found'] }],
      ['GET', `products/${p}/images/${imageId}`, undefined, 422, { errors: ['Record not found'] }],
      ['POST', `products/${p}/images`, { image: { src: 'https://evil.example/x.jpg' } }, 422, { errors: ['Record not found'] }],
      ['PUT', `products/${p}/images/${imageId}`, { image: { alt: 'pwned', position: 2 } }, 422, { errors: ['Record not found'] }],
      ['DELETE', `products/${p}/images/${imageId}`, undefined, 404, { errors: ['Product not found'] }],
      ['GET', `products/${p}`, undefined, 422, { errors: ['Record not found'] }],
      ['PUT', `products/${p}`, { product: { title: 'pwned' } }, 422, { errors: ['Record not found'] }],
      ['DELETE', `products/${p}`, undefined, 422, { errors: ['Record not found'] }],
    ];
    for (const [method, path, body, status, expected] of attempts) {
      const res = await api.call(method, path, body, intruder);
      expect({ method, path, status: res.statusCode, body: res.json() }).toEqual({ method, path, status, body: expected });
    }
    expect((await api.call('GET', 'products', undefined, intruder)).json().products).toEqual([]);
    expect((await api.call('GET', 'products/count', undefined, intruder)).json()).toEqual({ count: 0 });

    const after = (await api.call('GET', `products/${p}`)).json().product;
    expect(after.title).toBe('Shirt');
    expect(after.images.map((i: { id: string; alt: string; position: number }) => [i.id, i.alt, i.position])).toEqual([
      [victim.imageIds[0], '', 1],
      [victim.imageIds[1], '', 2],
    ]);
  });

  it("an intruder's own product cannot adopt the victim's images through PUT product", async () => {
    const own = await api.call('POST', 'products', { product: { title: 'Mine' } }, intruder);
    const res = await api.call('PUT', `products/${own.json().product.id}`, { product: { images: [{ id: victim.imageIds[0] }] } }, intruder);
    expect(res.statusCode).toBe(422);
    expect((await api.call('GET', `products/${victim.id}/images/count`)).json()).toEqual({ count: 2 });
  });
});
