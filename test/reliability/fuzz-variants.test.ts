import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';
import { field, fieldText, numberish, uuidish } from './fuzz-arbitraries.js';
import { BATCH_TIMEOUT_MS, runs, within, REQUEST_TIMEOUT_MS } from './fuzz-world.js';

/**
 * Generated hostile requests for what came with variants, options, product filters and the shop:
 * variant bodies, option lists, product bodies carrying both, list and count filters, `fields`.
 * Every answer is a 200 with its resource or a 4xx in the contract's shape (never a 5xx or a hang),
 * and after each batch every product still obeys the variant rules: at least one variant, positions
 * 1..n, no two variants with the same options, every linked image one of the product's own, the
 * count equal to the list.
 */

const COLORS = ['Red', 'Blue', 'Green'];
const SIZES = ['S', 'M', 'L'];
const optionValue = (values: string[]) => field(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: fieldText(20) }));

const variantBody = (imageIds: () => string[], variantIds: () => string[]) =>
  fc.record(
    {
      option1: optionValue(COLORS),
      option2: optionValue(SIZES),
      option3: field(fc.constant(null)),
      price: field(fc.oneof(fc.constantFrom('0', '9.99', '10', '-1', '1e3', '12.345'), numberish)),
      compare_at_price: field(numberish),
      sku: field(fieldText(300)),
      barcode: field(fieldText(80)),
      position: field(numberish),
      weight: field(numberish),
      weight_unit: field(fc.constantFrom('kg', 'g', 'lb', 'oz', 'KG', 'stone', '')),
      inventory_quantity: field(numberish),
      image_id: field(fc.oneof(fc.constant('').map(() => imageIds()[0] ?? ''), uuidish, fc.constant(''))),
      id: field(fc.oneof(fc.constant(null).map(() => variantIds()[0] ?? ''), uuidish)),
    },
    { requiredKeys: [] },
  );

const options = field(
  fc.array(
    fc.record({ name: field(fc.constantFrom('Color', 'Size', 'Material', '')), values: field(fc.array(optionValue([...COLORS, ...SIZES]), { maxLength: 4 })) }, { requiredKeys: [] }),
    { maxLength: 4 },
  ),
);

const TIME = fc.constantFrom('2024-04-08T07:00:00Z', '2024-04-08T07:00:00+08:00', '2024-04-08', 'yesterday', '9999-99-99T99:99:99Z', '', '0');
const filterQuery = fc
  .record(
    {
      ids: fc.oneof(uuidish, fc.array(fc.uuid(), { maxLength: 3 }).map((ids) => ids.join(','))),
      title: fieldText(20),
      created_at_min: TIME,
      created_at_max: TIME,
      updated_at_min: TIME,
      updated_at_max: TIME,
      published_status: fc.constantFrom('published', 'unpublished', 'any', 'maybe', ''),
      fields: fc.constantFrom('id,title', 'variants', 'options,nope', '', ',,,'),
      per_page: numberish.map(String),
    },
    { requiredKeys: [] },
  )
  .map((query) => new URLSearchParams(query as Record<string, string>).toString());

type Product = { id: string; images: Array<{ id: string }>; variants: Array<{ id: string }>; options: unknown[] };

describe.each(DIALECTS)('fuzzed variants, options, filters and shop on %s', (dialect) => {
  let api: TestApi;
  let product: Product;
  const tally = { requests: 0, ok: 0 };
  beforeAll(async () => {
    api = await startApi(dialect);
    const made = await api.call('POST', 'products', {
      product: {
        title: 'Fuzzed',
        options: [{ name: 'Color', values: COLORS }, { name: 'Size', values: SIZES }],
        variants: [{ option1: 'Red', option2: 'S', price: '1' }, { option1: 'Blue', option2: 'M', price: '2' }],
        images: [{ src: 'https://img.example.com/a.jpg' }, { src: 'https://img.example.com/b.jpg' }],
      },
    });
    product = made.json().product;
  });
  afterAll(async () => {
    console.log(`fuzzed variants on ${dialect}: ${tally.requests} requests, ${tally.ok} answered 200, 0 server errors`);
    await api?.close();
  });

  const refresh = async () => {
    const res = await api.call('GET', `products/${product.id}`);
    if (res.statusCode === 200) product = res.json().product;
  };

  /** One request: a 200, or a 4xx with messages in the contract's shape; never a 5xx or a hang. */
  async function send(method: string, path: string, body?: unknown): Promise<void> {
    const res = await within(REQUEST_TIMEOUT_MS, api.call(method, path, body), `${method} ${path}`);
    tally.requests++;
    const where = `${method} ${path} ${JSON.stringify(body)?.slice(0, 300)} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
    expect(res.statusCode, where).toBeLessThan(500);
    const json = res.json();
    if (res.statusCode === 200) {
      tally.ok++;
      return;
    }
    expect([400, 404, 422], where).toContain(res.statusCode);
    expect(Object.keys(json), where).toEqual(['errors']);
    expect(json.errors.length, where).toBeGreaterThan(0);
    for (const message of json.errors) expect(typeof message === 'string' && message.length > 0, where).toBe(true);
  }

  async function expectVariantRules(): Promise<void> {
    type Variant = { id: string; position: number; option1: unknown; option2: unknown; option3: unknown; image_id: string };
    const products = (await api.call('GET', 'products?per_page=250')).json().products as Array<Omit<Product, 'variants'> & { variants: Variant[] }>;
    for (const p of products) {
      const where = `product ${p.id}`;
      expect(p.variants.length, where).toBeGreaterThan(0);
      expect(p.variants.map((v) => v.position), where).toEqual(p.variants.map((_, i) => i + 1));
      const combos = p.variants.map((v) => JSON.stringify([v.option1, v.option2, v.option3]));
      expect(new Set(combos).size, where).toBe(combos.length);
      const imageIds = new Set(p.images.map((image) => image.id));
      for (const v of p.variants) expect(v.image_id === '' || imageIds.has(v.image_id), where).toBe(true);
      expect((await api.call('GET', `products/${p.id}/variants/count`)).json().count, where).toBe(p.variants.length);
      if (p.options.length === 0) expect(p.variants, where).toHaveLength(1);
    }
  }

  it('variant writes: create, update and delete with hostile fields', async () => {
    const body = variantBody(() => product.images.map((image) => image.id), () => product.variants.map((v) => v.id));
    const request = fc.oneof(
      body.map((variant) => ['POST', `products/${product.id}/variants`, { variant }] as const),
      fc.tuple(fc.nat(), body).map(([i, variant]) => ['PUT', `variants/${product.variants[i % product.variants.length]!.id}`, { variant }] as const),
      fc.nat().map((i) => ['DELETE', `products/${product.id}/variants/${product.variants[i % product.variants.length]!.id}`, undefined] as const),
      fc.tuple(uuidish, body).map(([id, variant]) => ['PUT', `variants/${encodeURIComponent(id)}`, { variant }] as const),
    );
    await fc.assert(
      fc.asyncProperty(request, async ([method, path, payload]) => {
        await send(method, path, payload);
        await refresh();
      }),
      runs(150),
    );
    await expectVariantRules();
  }, BATCH_TIMEOUT_MS);

  it('product bodies with options, variants and need_variant_image', async () => {
    const body = variantBody(() => product.images.map((image) => image.id), () => product.variants.map((v) => v.id));
    const productBody = fc.record(
      { title: field(fc.constantFrom('T', 'Shirt')), options, variants: field(fc.array(body, { maxLength: 5 })), need_variant_image: field(fc.boolean()) },
      { requiredKeys: [] },
    );
    const request = fc.oneof(
      productBody.map((p) => ['POST', 'products', { product: { title: 'Made', ...p } }] as const),
      productBody.map((p) => ['PUT', `products/${product.id}`, { product: p }] as const),
      fc.nat().map((i) => ['DELETE', `products/${product.id}/images/${product.images[i % Math.max(product.images.length, 1)]?.id ?? product.id}`, undefined] as const),
    );
    await fc.assert(
      fc.asyncProperty(request, async ([method, path, payload]) => {
        await send(method, path, payload);
        await refresh();
        if (product.images.length === 0) await api.call('POST', `products/${product.id}/images`, { image: { src: 'https://img.example.com/c.jpg' } });
      }),
      runs(150),
    );
    await expectVariantRules();
  }, BATCH_TIMEOUT_MS);

  it('list and count filters, fields, and the shop', async () => {
    const request = fc.oneof(
      filterQuery.map((query) => `products?${query}`),
      filterQuery.map((query) => `products/count?${query}`),
      fc.constantFrom('name', 'name,email,nope', '', 'icon', 'id,,id').map((fields) => `shop?fields=${encodeURIComponent(fields)}`),
    );
    await fc.assert(fc.asyncProperty(request, (path) => send('GET', path)), runs(200));
  }, BATCH_TIMEOUT_MS);
});
