import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type Client, createClient } from '../../src/client/index.js';
import type { Seed } from '../../src/index.js';
import { prng } from '../reliability/support-workload.js';
import { DIALECTS, standInOn } from './stand-in-support.js';

const SEED: Seed = {
  shops: [
    {
      subdomain: 'north',
      tokens: [{ token: 'north-token' }],
      products: [
        {
          title: 'Linen Shirt',
          tags: 'summer',
          images: [{ src: 'https://cdn.example.com/a.jpg', width: 800, height: 600 }, { src: 'https://cdn.example.com/b.jpg', alt: 'Back' }],
          options: [{ name: 'Size', values: ['S', 'M'] }],
          variants: [{ option1: 'S', price: '10.00' }, { option1: 'M', price: '12.50', sku: 'LS-M' }],
        },
        { title: 'Mug', images: [{ src: 'https://cdn.example.com/mug.png' }] },
      ],
    },
    { subdomain: 'south', tokens: [{ token: 'south-token' }], products: [{ title: 'Lamp' }] },
  ],
};

/** Everything the API shows of a store: every product as read alone, with its images and variants listed. */
async function stateOf(client: Client): Promise<unknown[]> {
  const products: unknown[] = [];
  for await (const listed of client.products.iterate({ per_page: 2 })) {
    const id = listed.id!;
    products.push({ product: await client.products.get(id), images: await client.images.list(id), variants: await client.variants.list(id) });
  }
  return products;
}

describe.each(DIALECTS)('a reset after 100 random API calls through the client (%s)', (dialect) => {
  let stand: Awaited<ReturnType<typeof standInOn>>;
  let clients: Client[];
  beforeAll(async () => {
    stand = await standInOn(dialect, { seed: SEED, randomSeed: 11 });
    clients = ['north-token', 'south-token'].map((token) => createClient({ baseUrl: stand.server.url, token, maxRetries: 0 }));
  });
  afterAll(() => stand.stop());

  it('gives the seed state back exactly', async () => {
    const seeded = await Promise.all(clients.map(stateOf));
    expect((seeded[0] as unknown[]).length).toBe(2);
    // A fixed seed: the same 100 calls on every run.
    const pick = prng(20261130);
    const one = <T>(items: readonly T[]): T | undefined => items[Math.floor(pick() * items.length)];
    const outcomes = { ok: 0, refused: 0 };
    for (let call = 0; call < 100; call++) {
      const client = one(clients)!;
      const products = [];
      for await (const product of client.products.iterate()) products.push(product);
      const listed = one(products);
      const product = listed && (await client.products.get(listed.id!));
      const image = product && one(product.images);
      const variant = product && one(product.variants);
      const n = Math.floor(pick() * 1000);
      const steps: Array<() => Promise<unknown>> = [
        () => client.products.create({ title: `Product ${n}`, images: [{ src: `https://cdn.example.com/p${n}.jpg`, width: 100 + n, height: 100 }] }),
        () => client.products.create({ title: `Sized ${n}`, options: [{ name: 'Size', values: ['S', 'L'] }], variants: [{ option1: 'S', price: n }, { option1: 'L', price: '1.5' }] }),
        () => (product ? client.products.update(product.id, { title: `Renamed ${n}`, tags: `t${n}` }) : client.products.count()),
        () => (product ? client.products.delete(product.id) : client.products.count()),
        () => (product ? client.images.create(product.id, { src: `https://cdn.example.com/i${n}.jpg`, position: 1 + (n % 3), alt: `Image ${n}` }) : client.products.count()),
        () => (product && image ? client.images.update(product.id, image.id, { alt: `Alt ${n}`, position: 1 + (n % 2) }) : client.products.count()),
        () => (product && image ? client.images.delete(product.id, image.id) : client.products.count()),
        () => (product ? client.variants.create(product.id, { option1: `X${n}`, price: '3' }) : client.products.count()),
        () => (variant ? client.variants.update(variant.id, { price: n, sku: `SKU-${n}` }) : client.products.count()),
        () => (product && variant ? client.variants.delete(product.id, variant.id) : client.products.count()),
        () => (product ? client.images.count(product.id) : client.products.count()),
      ];
      try {
        await one(steps)!();
        outcomes.ok++;
      } catch (error) {
        // The platform's refusals (a variant rule, the last variant) are calls too; anything else is a failure.
        if (!(error instanceof ApiError) || error.status >= 500) throw error;
        outcomes.refused++;
      }
    }
    expect(outcomes.ok + outcomes.refused).toBe(100);
    expect(outcomes.ok).toBeGreaterThan(50);
    const changed = await Promise.all(clients.map(stateOf));
    expect(changed).not.toEqual(seeded);
    expect(stand.server.requests().length).toBeGreaterThan(200);

    await stand.server.reset();

    expect(await Promise.all(clients.map(stateOf))).toEqual(seeded);
    // The journal starts again at the reset: only the reads above are in it.
    expect(new Set(stand.server.requests().map((request) => request.method))).toEqual(new Set(['GET']));
  });
});
