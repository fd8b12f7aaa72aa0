import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/domain/scopes.js';
import { startProdimg, type Seed } from '../../src/index.js';
import { call, DIALECTS, standInOn } from './stand-in-support.js';

const PRODUCT = '11111111-1111-4111-8111-111111111111';
const IMAGE = '22222222-2222-4222-8222-222222222222';
const VARIANT = '33333333-3333-4333-8333-333333333333';

const SEED: Seed = {
  shops: [
    {
      subdomain: 'alpha',
      name: 'Alpha',
      tokens: [{ token: 'alpha-token', scopes: ['read_product', 'write_product'] }, { token: 'alpha-reader', scopes: ['read_product'] }],
      products: [
        {
          id: PRODUCT,
          title: 'Shirt',
          images: [{ id: IMAGE, src: 'https://cdn.example.com/shirt.jpg', width: 1200, height: 900, alt: 'A shirt' }, { src: 'https://cdn.example.com/back.png' }],
          options: [{ name: 'Size', values: ['S', 'M'] }],
          variants: [{ id: VARIANT, option1: 'S', price: '10.00', image_id: IMAGE }, { option1: 'M', price: 12 }],
        },
        { title: 'Mug' },
      ],
    },
    { subdomain: 'beta' },
  ],
};

describe.each(DIALECTS)('stand-in on %s', (dialect) => {
  let stand: Awaited<ReturnType<typeof standInOn>>;
  beforeAll(async () => {
    stand = await standInOn(dialect, { seed: SEED, randomSeed: 7 });
  });
  afterAll(() => stand.stop());

  it('serves the seed: given ids kept, fixed tokens working with their scopes, every shop reachable by its token alone', async () => {
    const { server } = stand;
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.shops[0]).toEqual({ subdomain: 'alpha', tokens: ['alpha-token', 'alpha-reader'] });
    const product = await call(server, 'alpha-token', 'GET', `/openapi/2022-01/products/${PRODUCT}`);
    expect(product.status).toBe(200);
    expect(product.body.product.images.map((image: { id: string }) => image.id)[0]).toBe(IMAGE);
    expect(product.body.product.images[0]).toMatchObject({ src: 'https://cdn.example.com/shirt.jpg', width: 1200, height: 900, alt: 'A shirt', position: 1 });
    expect(product.body.product.variants[0]).toMatchObject({ id: VARIANT, option1: 'S', price: '10.00', image_id: IMAGE });
    expect((await call(server, 'alpha-reader', 'POST', '/openapi/2022-01/products', { product: { title: 'x' } })).status).toBe(403);
    // A store with no tokens in the seed gets one with every scope.
    const beta = server.shops[1]!;
    expect(beta.tokens).toHaveLength(1);
    expect((await call(server, beta.tokens[0]!, 'GET', '/openapi/2022-01/shop')).body.shop.domain).toContain('beta');
    expect((await call(server, beta.tokens[0]!, 'GET', '/openapi/2022-01/products/count')).body).toEqual({ count: 0 });
  });

  it('journals the requests since the last reset, and resets to the seed (ids of new records start again where the seed left them)', async () => {
    const { server } = stand;
    await server.reset();
    const created = await call(server, 'alpha-token', 'POST', '/openapi/2022-01/products', { product: { title: 'Hat' } });
    expect(created.status).toBe(200);
    await call(server, 'alpha-token', 'DELETE', `/openapi/2022-01/products/${PRODUCT}/images/${IMAGE}`);
    const journal = await (await fetch(`${server.url}/__prodimg/requests`)).json();
    expect(journal).toEqual({
      requests: [
        { method: 'POST', path: '/openapi/2022-01/products', status: 200, body: { product: { title: 'Hat' } }, request_id: created.headers.get('request-id') },
        { method: 'DELETE', path: `/openapi/2022-01/products/${PRODUCT}/images/${IMAGE}`, status: 200, body: null, request_id: expect.any(String) },
      ],
      dropped: 0,
    });
    expect(server.requests()).toEqual(journal.requests);

    const reset = await fetch(`${server.url}/__prodimg/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    expect(await reset.json()).toMatchObject({ reset: true });
    expect(server.requests()).toEqual([]);
    expect((await call(server, 'alpha-token', 'GET', '/openapi/2022-01/products/count')).body).toEqual({ count: 2 });
    expect((await call(server, 'alpha-token', 'GET', `/openapi/2022-01/products/${PRODUCT}/images/${IMAGE}`)).status).toBe(200);
    const again = await call(server, 'alpha-token', 'POST', '/openapi/2022-01/products', { product: { title: 'Hat' } });
    expect(again.body.product.id).toBe(created.body.product.id);
    expect(again.body.product.variants[0].id).toBe(created.body.product.variants[0].id);
  });

  it('brings back a deleted product whole, with its images and variants', async () => {
    const { server } = stand;
    await server.reset();
    const before = (await call(server, 'alpha-token', 'GET', `/openapi/2022-01/products/${PRODUCT}`)).body;
    expect((await call(server, 'alpha-token', 'DELETE', `/openapi/2022-01/products/${PRODUCT}`)).status).toBe(200);
    expect((await call(server, 'alpha-token', 'GET', `/openapi/2022-01/products/${PRODUCT}`)).status).toBe(422);
    await server.reset();
    expect((await call(server, 'alpha-token', 'GET', `/openapi/2022-01/products/${PRODUCT}`)).body).toEqual(before);
  });
});

describe('stand-in ids', () => {
  const seed: Seed = { shops: [{ subdomain: 'ids', products: [{ title: 'A', images: [{ src: 'https://cdn.example.com/a.jpg' }] }] }] };

  async function idsOf(randomSeed: number) {
    const server = await startProdimg({ seed, randomSeed });
    try {
      const token = server.shops[0]!.tokens[0]!;
      const listed = (await call(server, token, 'GET', '/openapi/2022-01/products')).body.products;
      const created = (await call(server, token, 'POST', '/openapi/2022-01/products', { product: { title: 'B', images: [{ src: 'https://cdn.example.com/b.jpg' }] } })).body.product;
      return { token, seeded: [listed[0].id, listed[0].images[0].id, listed[0].variants[0].id], created: [created.id, created.images[0].id, created.variants[0].id] };
    } finally {
      await server.close();
    }
  }

  it('are the same for the same random seed, and differ for another', async () => {
    const first = await idsOf(42);
    const second = await idsOf(42);
    const other = await idsOf(43);
    expect(second).toEqual(first);
    expect(new Set([...first.seeded, ...first.created]).size).toBe(6);
    for (const id of [...first.seeded, ...first.created]) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(other.seeded[0]).not.toBe(first.seeded[0]);
    expect(other.token).not.toBe(first.token);
  });
});

describe('startProdimg', () => {
  it('without a seed: one store, "shop", with one token of every scope', async () => {
    const server = await startProdimg();
    try {
      expect(server.shops).toEqual([{ subdomain: 'shop', tokens: [expect.stringMatching(/^[0-9a-f]{64}$/)] }]);
      const scopes = await call(server, server.shops[0]!.tokens[0]!, 'GET', '/openapi/2022-01/oauth/access_scopes');
      expect(scopes.body.access_scopes.map((scope: { handle: string }) => scope.handle).sort()).toEqual([...SCOPES].sort());
    } finally {
      await server.close();
    }
  });

  it('leaves nothing on disk after close, and close twice is harmless', async () => {
    const previous = process.env.TMPDIR;
    const tmp = mkdtempSync(join(tmpdir(), 'prodimg-stand-in-tmp-'));
    process.env.TMPDIR = tmp;
    try {
      const server = await startProdimg({ seed: { shops: [{ subdomain: 'disk' }] } });
      expect(readdirSync(tmp)).toHaveLength(1);
      await Promise.all([server.close(), server.close()]);
      expect(readdirSync(tmp)).toEqual([]);
      await expect(fetch(`${server.url}/openapi/2022-01/products/count`)).rejects.toThrow();
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('refuses a bad randomSeed and a bad setting, leaving nothing behind', async () => {
    await expect(startProdimg({ randomSeed: 1.5 })).rejects.toThrow('randomSeed must be an integer, got 1.5');
    await expect(startProdimg({ settings: { PRODIMG_RATE_LIMIT: 'sometimes' } })).rejects.toThrow(/PRODIMG_RATE_LIMIT must be/);
  });
});

describe('a server not in stand-in mode', () => {
  it('has no /__prodimg routes', async () => {
    const { startApi } = await import('../support/api.js');
    const api = await startApi('sqlite');
    try {
      for (const [method, path] of [['POST', '/__prodimg/reset'], ['GET', '/__prodimg/requests'], ['POST', '/__prodimg/faults'], ['DELETE', '/__prodimg/faults']] as const) {
        const res = await api.app.inject({ method, url: path });
        expect(res.statusCode, `${method} ${path}`).toBe(404);
        expect(res.json()).toEqual({ errors: ['Not Found'] });
      }
    } finally {
      await api.close();
    }
  });
});
