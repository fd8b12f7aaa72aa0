import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi, type TestResponse } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

/**
 * The variant endpoints' contract, per version (2022-01 classic; 2025-06 and 2026-01 enveloped):
 * every operation's answer and every error it can be made to answer, exact status and body. Not
 * provoked here, as nothing deterministic over HTTP gets there (see recorded-answers.test.ts): 503
 * draining or database away, 500.
 */

const T = '2024-04-08T07:13:28Z';
const MISSING = '00000000-0000-4000-8000-000000000000';
const VERSIONS = ['2022-01', '2025-06', '2026-01'] as const;
type Version = (typeof VERSIONS)[number];

/** The error kinds a variant endpoint answers, as [classic status, envelope status, envelope code]. */
const KINDS = {
  Validation: [422, 400, 'InvalidParameter'],
  RecordNotFound: [422, 404, 'NotFound'],
  BadRequest: [400, 400, 'InvalidParameter'],
  Unauthorized: [401, 401, 'Unauthorized'],
  Forbidden: [403, 403, 'AccessDenied'],
  PayloadTooLarge: [413, 413, 'PayloadTooLarge'],
} as const;

const src = (name: string) => `https://img.example.com/${name}`;

describe.each(DIALECTS)('variants on %s', (dialect) => {
  let api: TestApi;
  let readOnly: string;
  let otherStore: string;
  beforeAll(async () => {
    api = await startApi(dialect, { clock: () => T });
    readOnly = (await api.shops.createToken('alpha', ['read_product'])).token;
    await api.shops.create('beta', { name: 'Beta' });
    otherStore = (await api.shops.createToken('beta', ['read_product', 'write_product'])).token;
  });
  afterAll(() => api.close());

  describe.each(VERSIONS)('version %s', (version: Version) => {
    const classic = version === '2022-01';
    const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
      api.call(method, path.startsWith('/') ? path : `/openapi/${version}/${path}`, body, headers);
    const ok = (res: TestResponse, data: unknown) => expect({ status: res.statusCode, body: res.json() }).toEqual({ status: 200, body: classic ? data : { code: 'Success', data } });
    const data = (res: TestResponse) => (classic ? res.json() : res.json().data);
    const fails = (res: TestResponse, kind: keyof typeof KINDS, messages: string[]) => {
      const [status, envelopeStatus, code] = KINDS[kind];
      expect({ status: res.statusCode, body: res.json() }).toEqual(
        classic ? { status, body: { errors: messages } } : { status: envelopeStatus, body: { code, message: messages.join('; ') } },
      );
    };
    // A variant as answered: the defaults of a new one, and `fields`.
    const variant = (fields: Record<string, unknown>) => ({
      ...{ title: 'Default Title', option1: null, option2: null, option3: null, price: '0.00', compare_at_price: '0.00', cost_price: '0.00', sku: '', barcode: '', note: '' },
      ...{ position: 1, weight: '0', weight_unit: 'kg', inventory_quantity: 0, image_id: '', image: null, created_at: T, updated_at: T },
      ...fields,
    });
    const keys = (value: object) => Object.keys(value);

    let product: any;
    let red: any;
    let blue: any;
    beforeAll(async () => {
      const res = await call('POST', 'products', {
        product: {
          title: `Shirt ${version}`,
          options: [{ name: 'Color', values: ['Red', 'Blue'] }, { name: 'Size', values: ['S'] }],
          variants: [
            { option1: 'Red', option2: 'S', price: '10' },
            { option1: 'Blue', option2: 'S', price: 12.5, compare_at_price: '15.00', sku: 'B-S', weight: '0.250', weight_unit: 'lb', inventory_quantity: 3 },
          ],
          images: [{ src: src('front.jpg'), width: 800, height: 600, alt: 'Front' }, { src: src('back.jpg') }],
        },
      });
      expect(res.statusCode).toBe(200);
      product = data(res).product;
      [red, blue] = product.variants;
    });

    it('creates a product with options and variants, in the reference order of fields', () => {
      expect(product).toMatchObject({ has_only_default_variant: false, need_variant_image: false });
      expect(product.options).toEqual([
        { id: expect.any(String), product_id: product.id, position: 1, name: 'Color', values: ['Red', 'Blue'] },
        { id: expect.any(String), product_id: product.id, position: 2, name: 'Size', values: ['S'] },
      ]);
      expect(red).toEqual(variant({ id: red.id, product_id: product.id, title: 'Red / S', option1: 'Red', option2: 'S', price: '10.00' }));
      expect(keys(red)).toEqual(['id', 'product_id', 'title', 'option1', 'option2', 'option3', 'price', 'compare_at_price', 'cost_price', 'sku', 'barcode', 'note', 'position', 'weight', 'weight_unit', 'inventory_quantity', 'image_id', 'image', 'created_at', 'updated_at']);
      expect(blue).toEqual(
        variant({ id: blue.id, product_id: product.id, title: 'Blue / S', option1: 'Blue', option2: 'S', price: '12.50', compare_at_price: '15.00', sku: 'B-S', position: 2, weight: '0.25', weight_unit: 'lb', inventory_quantity: 3 }),
      );
    });

    it('gives a product created without variants its default variant', async () => {
      const res = await call('POST', 'products', { product: { title: 'Plain' } });
      const plain = data(res).product;
      expect(plain).toMatchObject({ has_only_default_variant: true, need_variant_image: false, options: [] });
      expect(plain.variants).toEqual([variant({ id: plain.variants[0].id, product_id: plain.id })]);
      fails(await call('POST', `products/${plain.id}/variants`, { variant: { price: '1' } }), 'Validation', ['A product without options has only its default variant']);
      fails(await call('POST', `products/${plain.id}/variants`, { variant: { option1: 'Red', price: '1' } }), 'Validation', ['Option1 is not allowed: the product has 0 options']);
      fails(await call('DELETE', `products/${plain.id}/variants/${plain.variants[0].id}`), 'Validation', ['A product must have at least one variant']);
      const withOptions = data(await call('POST', 'products', { product: { title: 'Sized', options: [{ name: 'Size', values: ['M', 'L'] }] } })).product;
      expect(withOptions.has_only_default_variant).toBe(false);
      expect(withOptions.variants).toEqual([variant({ id: withOptions.variants[0].id, product_id: withOptions.id, title: 'M', option1: 'M' })]);
    });

    it('lists, counts and reads variants', async () => {
      ok(await call('GET', `products/${product.id}/variants`), { variants: [red, blue] });
      ok(await call('GET', `products/${product.id}/variants/count`), { count: 2 });
      ok(await call('GET', `variants/${red.id}`), { variant: red });
      ok(await call('GET', `variants/${red.id.toUpperCase()}`), { variant: red });
    });

    it('creates, updates, links, moves and deletes a variant', async () => {
      const created = await call('POST', `products/${product.id}/variants`, {
        variant: { option1: 'Green', option2: 'M', price: '1.5', position: 1, weight: 2, weight_unit: 'g', inventory_quantity: '-7', barcode: '123', unknown: true },
      });
      const green = data(created).variant;
      ok(created, { variant: variant({ id: green.id, product_id: product.id, title: 'Green / M', option1: 'Green', option2: 'M', price: '1.50', barcode: '123', weight: '2', weight_unit: 'g', inventory_quantity: -7 }) });
      const after = data(await call('GET', `products/${product.id}`)).product;
      expect(after.options.map((o: { values: string[] }) => o.values)).toEqual([['Red', 'Blue', 'Green'], ['S', 'M']]);
      expect(after.variants.map((v: { title: string; position: number }) => [v.position, v.title])).toEqual([[1, 'Green / M'], [2, 'Red / S'], [3, 'Blue / S']]);

      const [front] = product.images;
      const linked = await call('PUT', `variants/${green.id}`, { variant: { image_id: front.id.toUpperCase(), position: 3, sku: null } });
      ok(linked, { variant: { ...data(created).variant, image_id: front.id, image: { src: front.src, width: 800, height: 600, alt: 'Front' }, position: 3 } });
      ok(await call('GET', `products/${product.id}/variants/count`), { count: 3 });
      const unlinked = await call('PUT', `variants/${green.id}`, { variant: { image_id: '' } });
      expect(data(unlinked).variant).toMatchObject({ image_id: '', image: null, position: 3 });
      ok(await call('PUT', `variants/${green.id}`, { variant: {} }), data(unlinked));

      ok(await call('DELETE', `products/${product.id}/variants/${green.id}`), {});
      ok(await call('GET', `products/${product.id}/variants`), { variants: [red, blue] });
      fails(await call('GET', `variants/${green.id}`), 'RecordNotFound', ['Record not found']);
    });

    it('unlinks an image from its variants when the image is deleted, and refuses it when the product needs variant images', async () => {
      const image = data(await call('POST', `products/${product.id}/images`, { image: { src: src('extra.jpg'), width: 10, height: 20 } })).image;
      expect(data(await call('PUT', `variants/${red.id}`, { variant: { image_id: image.id } })).variant.image).toEqual({ src: image.src, width: 10, height: 20, alt: '' });
      ok(await call('DELETE', `products/${product.id}/images/${image.id}`), {});
      ok(await call('GET', `variants/${red.id}`), { variant: red });

      const kept = data(await call('POST', `products/${product.id}/images`, { image: { src: src('kept.jpg') } })).image;
      await call('PUT', `variants/${blue.id}`, { variant: { image_id: kept.id } });
      expect(data(await call('PUT', `products/${product.id}`, { product: { need_variant_image: true } })).product.need_variant_image).toBe(true);
      const refusal = [`Image ${kept.id} is the image of a variant, and this product needs an image on every variant`];
      fails(await call('DELETE', `products/${product.id}/images/${kept.id}`), 'Validation', refusal);
      const keepOthers = data(await call('GET', `products/${product.id}/images`)).images.filter((i: { id: string }) => i.id !== kept.id).map((i: { id: string }) => ({ id: i.id }));
      fails(await call('PUT', `products/${product.id}`, { product: { images: keepOthers } }), 'Validation', refusal);
      expect(data(await call('GET', `products/${product.id}/images/${kept.id}`)).image.id).toBe(kept.id);
      await call('PUT', `products/${product.id}`, { product: { need_variant_image: false } });
      ok(await call('DELETE', `products/${product.id}/images/${kept.id}`), {});
      expect(data(await call('GET', `variants/${blue.id}`)).variant).toMatchObject({ image_id: '', image: null });
    });

    it('links variants from image create and update (variant_ids, an extension), answering the image fields only', async () => {
      const res = await call('POST', `products/${product.id}/images`, { image: { src: src('linked.jpg'), variant_ids: [red.id, blue.id.toUpperCase()] } });
      const image = data(res).image;
      expect(keys(image)).toEqual(['id', 'product_id', 'position', 'src', 'path', 'width', 'height', 'alt', 'created_at', 'updated_at']);
      const shown = { src: image.src, width: 0, height: 0, alt: '' };
      for (const id of [red.id, blue.id]) expect(data(await call('GET', `variants/${id}`)).variant).toMatchObject({ image_id: image.id, image: shown });
      const [front] = product.images;
      const updated = await call('PUT', `products/${product.id}/images/${front.id}`, { image: { variant_ids: [blue.id] } });
      expect(keys(data(updated).image)).toEqual(keys(image));
      expect(data(await call('GET', `variants/${blue.id}`)).variant.image_id).toBe(front.id);
      expect(data(await call('GET', `variants/${red.id}`)).variant.image_id).toBe(image.id);
      fails(await call('PUT', `products/${product.id}/images/${front.id}`, { image: { variant_ids: [MISSING], alt: 'x' } }), 'Validation', [`Variant ${MISSING} does not belong to this product`]);
      fails(await call('POST', `products/${product.id}/images`, { image: { src: src('x.jpg'), variant_ids: ['x'] } }), 'Validation', ['Variant ids must be an array of valid UUIDs']);
      expect(data(await call('GET', `products/${product.id}/images/${front.id}`)).image.alt).toBe('Front');
      // Back to no links, for the next tests.
      for (const id of [red.id, blue.id]) await call('PUT', `variants/${id}`, { variant: { image_id: null } });
      await call('DELETE', `products/${product.id}/images/${image.id}`);
    });

    it('replaces the variants and options from a product update', async () => {
      const other = data(await call('POST', 'products', { product: { title: 'Mug', options: [{ name: 'Size', values: ['S'] }], variants: [{ option1: 'S', price: 1 }, { option1: 'L', price: 2 }] } })).product;
      const [small, large] = other.variants;
      const res = await call('PUT', `products/${other.id}`, {
        product: { options: [{ name: 'Size', values: ['S', 'L', 'XL'] }], variants: [{ id: large.id, price: '3' }, { option1: 'XL', price: '4' }] },
      });
      const mug = data(res).product;
      expect(mug.options[0]).toMatchObject({ name: 'Size', values: ['S', 'L', 'XL'] });
      expect(mug.variants.map((v: { id: string; title: string; price: string; position: number }) => [v.title, v.price, v.position])).toEqual([['L', '3.00', 1], ['XL', '4.00', 2]]);
      expect(mug.variants[0].id).toBe(large.id);
      fails(await call('GET', `variants/${small.id}`), 'RecordNotFound', ['Record not found']);
      fails(await call('PUT', `products/${other.id}`, { product: { variants: [{ id: red.id }, { option1: 'XL' }, { id: 'nope' }] } }), 'Validation', [
        "Variant 2: Price can't be blank",
        'Variant 3: Id must be a valid UUID',
      ]);
      fails(await call('PUT', `products/${other.id}`, { product: { variants: [{ id: red.id }, { option1: 'XL', option2: 'x', price: 1 }, { option1: 'XL', price: 1 }] } }), 'Validation', [
        `Variant 1: Variant ${red.id} does not belong to this product`,
      ]);
      fails(await call('PUT', `products/${other.id}`, { product: { variants: [{ option1: 'XL', option2: 'x', price: 1 }, { option1: 'XL', price: 1 }, { option1: 'XL', price: 1 }] } }), 'Validation', [
        'Variant 1: Option2 is not allowed: the product has 1 option',
        'Variant 3: Option values XL are already taken by another variant',
      ]);
      fails(await call('PUT', `products/${other.id}`, { product: { options: [] } }), 'Validation', ['Variant 1: Option1 is not allowed: the product has 0 options', 'Variant 2: Option1 is not allowed: the product has 0 options']);
      fails(await call('POST', 'products', { product: { title: 'x', options: [{ name: '' }, { name: 'A', values: [] }, 'x'] } }), 'Validation', [
        "Option 1: Name can't be blank",
        'Option 1: Values must be an array of non-blank strings of at most 255 characters',
        "Option 2: Values can't be blank",
        'Option 3: must be an object',
      ]);
      fails(await call('POST', 'products', { product: { title: 'x', options: [{ name: 'A', values: ['1'] }, { name: 'A', values: ['2', ''] }] } }), 'Validation', [
        'Option 2: Name is already taken',
        'Option 2: Values must be an array of non-blank strings of at most 255 characters',
      ]);
      fails(await call('POST', 'products', { product: { title: 'x', options: [{}, {}, {}, {}], variants: 'x', need_variant_image: 1 } }), 'Validation', [
        'Need variant image must be true or false',
        'Options is too long (maximum is 3 options)',
        'Variants must be an array',
      ]);
      ok(await call('DELETE', `products/${other.id}`), {});
      fails(await call('GET', `products/${other.id}/variants`), 'RecordNotFound', ['Record not found']);
      fails(await call('GET', `variants/${large.id}`), 'RecordNotFound', ['Record not found']);
    });

    it('refuses bad variant fields with one message each, in field order', async () => {
      const base = `products/${product.id}/variants`;
      fails(await call('POST', base, { variant: {} }), 'Validation', ["Price can't be blank"]);
      fails(
        await call('POST', base, {
          variant: { option1: 7, option2: 'o'.repeat(256), price: '1.234', compare_at_price: -1, sku: 5, barcode: [], position: 0, weight: 'heavy', weight_unit: 'stone', inventory_quantity: 1.5, image_id: 'nope' },
        }),
        'Validation',
        [
          'Option1 must be a string',
          'Option2 is too long (maximum is 255 characters)',
          'Price must have at most 2 decimal places',
          'Compare at price must be greater than or equal to 0',
          'Sku must be a string',
          'Barcode must be a string',
          'Position must be greater than 0',
          'Weight must be a number',
          'Weight unit must be one of kg, g, lb, oz',
          'Inventory quantity must be an integer',
          'Image id must be a valid UUID',
        ],
      );
      fails(await call('PUT', `variants/${red.id}`, { variant: { price: 'ten', weight: -1, inventory_quantity: 2 ** 32 } }), 'Validation', [
        'Price must be a number',
        'Weight must be greater than or equal to 0',
        'Inventory quantity must be between -2147483647 and 2147483647',
      ]);
      fails(await call('PUT', `variants/${red.id}`, { variant: { price: 1_000_000_000 } }), 'Validation', ['Price must be less than or equal to 999999999.99']);
      fails(await call('POST', base, { variant: { option1: 'Red', option2: 'S', price: 1 } }), 'Validation', ['Option values Red / S are already taken by another variant']);
      fails(await call('PUT', `variants/${blue.id}`, { variant: { option1: 'Red' } }), 'Validation', ['Option values Red / S are already taken by another variant']);
      fails(await call('POST', base, { variant: { option1: 'Red', price: 1 } }), 'Validation', ["Option2 can't be blank"]);
      fails(await call('POST', base, { variant: { option1: 'Red', option2: 'M', option3: 'x', price: 1 } }), 'Validation', ['Option3 is not allowed: the product has 2 options']);
      const elsewhere = data(await call('POST', 'products', { product: { title: 'Elsewhere', images: [{ src: src('e.jpg') }] } })).product;
      const foreign = elsewhere.images[0].id;
      fails(await call('PUT', `variants/${red.id}`, { variant: { image_id: foreign } }), 'Validation', [`Image ${foreign} does not belong to this product`]);
      fails(await call('POST', base, { variant: { option1: 'Red', option2: 'L', price: 1, image_id: foreign } }), 'Validation', [`Image ${foreign} does not belong to this product`]);
      ok(await call('GET', `products/${product.id}/variants`), { variants: [red, blue] });
    });

    it('answers missing records, bad path ids and malformed requests', async () => {
      const other = data(await call('POST', 'products', { product: { title: 'Other' } })).product;
      const notFound = ['Record not found'];
      fails(await call('GET', `products/${MISSING}/variants`), 'RecordNotFound', notFound);
      fails(await call('GET', `products/${MISSING}/variants/count`), 'RecordNotFound', notFound);
      fails(await call('POST', `products/${MISSING}/variants`, { variant: { price: 1 } }), 'RecordNotFound', notFound);
      fails(await call('GET', `variants/${MISSING}`), 'RecordNotFound', notFound);
      fails(await call('PUT', `variants/${MISSING}`, { variant: { price: 1 } }), 'RecordNotFound', notFound);
      fails(await call('DELETE', `products/${product.id}/variants/${MISSING}`), 'RecordNotFound', notFound);
      fails(await call('DELETE', `products/${MISSING}/variants/${red.id}`), 'RecordNotFound', notFound);
      fails(await call('DELETE', `products/${other.id}/variants/${red.id}`), 'RecordNotFound', notFound);
      // Another store's records are reported as missing ones.
      const beta = { 'access-token': otherStore };
      fails(await call('GET', `variants/${red.id}`, undefined, beta), 'RecordNotFound', notFound);
      fails(await call('PUT', `variants/${red.id}`, { variant: { price: 1 } }, beta), 'RecordNotFound', notFound);
      fails(await call('GET', `products/${product.id}/variants`, undefined, beta), 'RecordNotFound', notFound);

      fails(await call('GET', 'products/x/variants'), 'Validation', ['ProductId must be a valid UUID']);
      fails(await call('GET', 'products/x/variants/count'), 'Validation', ['ProductId must be a valid UUID']);
      fails(await call('POST', 'products/x/variants', { variant: {} }), 'Validation', ['ProductId must be a valid UUID']);
      fails(await call('GET', 'variants/x'), 'Validation', ['VariantId must be a valid UUID']);
      fails(await call('PUT', 'variants/x', { variant: {} }), 'Validation', ['VariantId must be a valid UUID']);
      fails(await call('DELETE', 'products/x/variants/y'), 'Validation', ['ProductId must be a valid UUID', 'VariantId must be a valid UUID']);

      fails(await call('POST', `products/${product.id}/variants`, '{"variant":'), 'BadRequest', ['Bad Request: body is not valid JSON']);
      fails(await call('PUT', `variants/${red.id}`, { variants: {} }), 'BadRequest', ['Bad Request: body must be a JSON object with a "variant" object']);
      fails(await call('PUT', `variants/${red.id}`, '{}', { 'content-type': 'text/plain' }), 'BadRequest', ['Bad Request: Content-Type must be application/json']);
      fails(await call('POST', `products/${product.id}/variants`, { variant: { sku: 'x'.repeat(1024 * 1024) } }), 'PayloadTooLarge', ['Payload Too Large: the body exceeds 1 MiB']);
    });

    it('asks for a token and the product scopes on every variant endpoint', async () => {
      const writes: Array<[string, string, unknown?]> = [
        ['POST', `products/${product.id}/variants`, { variant: { price: 1 } }],
        ['PUT', `variants/${red.id}`, { variant: { price: 1 } }],
        ['DELETE', `products/${product.id}/variants/${red.id}`],
      ];
      const reads: Array<[string, string, unknown?]> = [
        ['GET', `products/${product.id}/variants`],
        ['GET', `products/${product.id}/variants/count`],
        ['GET', `variants/${red.id}`],
      ];
      for (const [method, path, body] of [...reads, ...writes]) {
        fails(await call(method, path, body, { 'access-token': '' }), 'Unauthorized', ['Unauthorized']);
        const inactive = await call(method, path, body, { host: 'beta.myshoplaza.localhost' });
        expect({ status: inactive.statusCode, body: inactive.json() }).toEqual(
          classic ? { status: 401, body: { error: 'store is not active' } } : { status: 400, body: { code: 'StoreNotActive', message: 'store is not active' } },
        );
      }
      for (const [method, path, body] of writes) {
        fails(await call(method, path, body, { 'access-token': readOnly }), 'Forbidden', ['Forbidden: this action requires the write_product scope']);
      }
      for (const [method, path] of reads) expect((await call(method, path, undefined, { 'access-token': readOnly })).statusCode).toBe(200);
    });
  });

  it('keeps option combinations unique when the same variant is created many times at once', async () => {
    const product = (await api.call('POST', 'products', { product: { title: 'Race', options: [{ name: 'Size', values: ['S'] }] } })).json().product;
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => api.call('POST', `products/${product.id}/variants`, { variant: { option1: 'M', price: '1' } })),
    );
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, 422, 422, 422, 422, 422, 422, 422]);
    for (const answer of answers.filter((a) => a.statusCode === 422)) expect(answer.json()).toEqual({ errors: ['Option values M are already taken by another variant'] });
    const list = (await api.call('GET', `products/${product.id}/variants`)).json().variants;
    expect(list.map((v: { title: string; position: number }) => [v.position, v.title])).toEqual([[1, 'S'], [2, 'M']]);
  });

  it('serves the unversioned legacy .json paths of variants as 2020-07', async () => {
    const product = (await api.call('POST', 'products', { product: { title: 'Legacy' } })).json().product;
    const [variant] = product.variants;
    for (const [legacy, versioned] of [
      [`/openapi/products/${product.id}/variants.json`, `/openapi/2020-07/products/${product.id}/variants`],
      [`/openapi/products/${product.id}/variants/count.json`, `/openapi/2020-07/products/${product.id}/variants/count`],
      [`/openapi/variants/${variant.id}.json`, `/openapi/2020-07/variants/${variant.id}`],
    ]) {
      const [a, b] = await Promise.all([api.call('GET', legacy!), api.call('GET', versioned!)]);
      expect(a.statusCode, legacy).toBe(200);
      expect(a.body, legacy).toBe(b.body);
    }
    const put = await api.call('PUT', `/openapi/variants/${variant.id}.json`, { variant: { sku: 'OLD-1' } });
    expect(put.json().variant.sku).toBe('OLD-1');
    const missing = await api.call('GET', `/openapi/variants/${MISSING}.json`);
    expect({ status: missing.statusCode, body: missing.json() }).toEqual({ status: 422, body: { errors: ['Record not found'] } });
    expect((await api.call('GET', `/openapi/variantsx/${variant.id}.json`)).statusCode).toBe(404);
  });
});
