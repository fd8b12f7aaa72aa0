import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi, type TestResponse } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

/**
 * Issue 23: `POST /products` answered 200 and dropped `brief`, `requires_shipping` and the platform's
 * other documented product and variant fields. Every one of them is sent here, in every served
 * version, and must read back from every endpoint that answers a product or a variant.
 */

const VERSIONS = ['2020-07', '2022-01', '2025-06', '2026-01'] as const;
const src = (name: string) => `https://img.example.com/${name}`;

/** Every field of the platform's create-product body that prodimg stores, with values unlike the defaults. */
const SETTINGS = {
  brief: 'Soft linen, cut loose',
  vendor_url: 'https://acme.example.com',
  requires_shipping: false,
  taxable: false,
  note: 'Restock in May',
  seo_title: 'Linen Shirt | Acme',
  seo_description: 'A loose linen shirt for summer.',
  seo_keywords: 'linen,shirt,summer',
  inventory_tracking: true,
  inventory_policy: 'deny',
  spu: 'SPU-LINEN-01',
  fake_sales: 42,
  display_fake_sales: true,
};
const DEFAULTS = {
  brief: '',
  vendor_url: '',
  requires_shipping: true,
  taxable: true,
  note: '',
  seo_title: '',
  seo_description: '',
  seo_keywords: '',
  inventory_tracking: false,
  inventory_policy: 'continue',
  spu: '',
  fake_sales: 0,
  display_fake_sales: false,
};

describe.each(DIALECTS)('the platform product fields on %s', (dialect) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(() => api.close());

  describe.each(VERSIONS)('version %s', (version) => {
    const classic = version === '2020-07' || version === '2022-01';
    const call = (method: string, path: string, body?: unknown) => api.call(method, `/openapi/${version}/${path}`, body);
    const data = (res: TestResponse) => {
      expect(res.statusCode, res.body).toBe(200);
      return classic ? res.json() : res.json().data;
    };
    const refused = (res: TestResponse, messages: string[]) =>
      expect({ status: res.statusCode, body: res.json() }).toEqual(
        classic ? { status: 422, body: { errors: messages } } : { status: 400, body: { code: 'InvalidParameter', message: messages.join('; ') } },
      );

    let product: any;
    beforeAll(async () => {
      product = data(
        await call('POST', 'products', {
          product: {
            title: `Linen Shirt ${version}`,
            has_only_default_variant: false,
            need_variant_image: false,
            ...SETTINGS,
            options: [{ name: 'Size', values: ['S', 'M'] }],
            images: [{ src: src('front.jpg'), width: 800, height: 600, alt: 'Front' }],
            variants: [
              { option1: 'S', price: '10.00', compare_at_price: '12.00', cost_price: '4.5', sku: 'L-S', barcode: '111', note: 'small run', inventory_quantity: 3, weight: '0.2', weight_unit: 'kg' },
              { option1: 'M', price: '11.00', cost_price: 5, note: '', inventory_quantity: 4 },
            ],
          },
        }),
      ).product;
    });

    it('answers every sent field on create, with the inventory summed over the variants', () => {
      expect(product).toMatchObject({ ...SETTINGS, has_only_default_variant: false, inventory_quantity: 7 });
      expect(product.variants.map((v: any) => [v.option1, v.cost_price, v.note])).toEqual([
        ['S', '4.50', 'small run'],
        ['M', '5.00', ''],
      ]);
      expect(product.options).toEqual([{ id: expect.any(String), product_id: product.id, position: 1, name: 'Size', values: ['S', 'M'] }]);
    });

    it('reads them back from GET product, the list, the variant list and the variant', async () => {
      expect(data(await call('GET', `products/${product.id}`)).product).toEqual(product);
      expect(data(await call('GET', `products?ids=${product.id}`)).products).toEqual([product]);
      expect(data(await call('GET', `products/${product.id}/variants`)).variants).toEqual(product.variants);
      expect(data(await call('GET', `variants/${product.variants[0].id}`)).variant).toEqual(product.variants[0]);
      const listed = data(await call('GET', `products?ids=${product.id}&fields=id,brief,requires_shipping,seo_keywords,inventory_quantity,spu`)).products;
      expect(listed).toEqual([{ id: product.id, brief: SETTINGS.brief, requires_shipping: false, seo_keywords: SETTINGS.seo_keywords, inventory_quantity: 7, spu: SETTINGS.spu }]);
    });

    it('gives a product created without them the defaults', async () => {
      const plain = data(await call('POST', 'products', { product: { title: `Plain ${version}` } })).product;
      expect(plain).toMatchObject({ ...DEFAULTS, inventory_quantity: 0 });
      expect(plain.variants[0]).toMatchObject({ cost_price: '0.00', note: '' });
    });

    it('changes them on update, keeping those not sent', async () => {
      const changed = {
        brief: 'Now in hemp',
        requires_shipping: true,
        taxable: true,
        note: null,
        seo_title: 'Hemp Shirt',
        inventory_tracking: false,
        inventory_policy: 'auto_unpublished',
        spu: 'SPU-HEMP',
        fake_sales: '7',
        display_fake_sales: false,
      };
      const updated = data(await call('PUT', `products/${product.id}`, { product: changed })).product;
      const expected = { ...SETTINGS, ...changed, note: '', fake_sales: 7 };
      expect(updated).toMatchObject(expected);
      expect(data(await call('GET', `products/${product.id}`)).product).toMatchObject(expected);
      const variant = data(await call('PUT', `variants/${product.variants[1].id}`, { variant: { cost_price: '6.25', note: 'restocked', inventory_quantity: 10 } })).variant;
      expect(variant).toMatchObject({ cost_price: '6.25', note: 'restocked', inventory_quantity: 10 });
      expect(data(await call('GET', `products/${product.id}/variants`)).variants[1]).toEqual(variant);
      expect(data(await call('GET', `products/${product.id}`)).product.inventory_quantity).toBe(13);
      const added = data(await call('POST', `products/${product.id}/variants`, { variant: { option1: 'L', price: '1', cost_price: '0.5', note: 'new' } })).variant;
      expect(added).toMatchObject({ cost_price: '0.50', note: 'new' });
    });

    it('refuses bad values with one message each, and stores nothing', async () => {
      const before = data(await call('GET', 'products/count')).count;
      refused(
        await call('POST', 'products', {
          product: {
            title: 'Bad',
            brief: 'b'.repeat(601),
            vendor_url: 5,
            requires_shipping: 'yes',
            taxable: 1,
            note: 'n'.repeat(501),
            seo_title: ['x'],
            inventory_tracking: 'no',
            inventory_policy: 'sometimes',
            fake_sales: -1,
            display_fake_sales: 'true',
            variants: [{ price: '1', cost_price: 'cheap', note: 3 }],
          },
        }),
        [
          'Brief is too long (maximum is 600 characters)',
          'Vendor url must be a string',
          'Requires shipping must be true or false',
          'Taxable must be true or false',
          'Note is too long (maximum is 500 characters)',
          'Seo title must be a string',
          'Inventory tracking must be true or false',
          'Inventory policy must be one of continue, deny, auto_unpublished',
          'Fake sales must be greater than or equal to 0',
          'Display fake sales must be true or false',
          'Variant 1: Cost price must be a number',
          'Variant 1: Note must be a string',
        ],
      );
      refused(await call('POST', 'products', { product: { title: 'Tracked', inventory_tracking: true } }), ["Inventory policy can't be blank"]);
      refused(await call('PUT', `products/${product.id}`, { product: { fake_sales: 1.5, spu: 's'.repeat(256) } }), [
        'Spu is too long (maximum is 255 characters)',
        'Fake sales must be an integer',
      ]);
      refused(await call('PUT', `variants/${product.variants[0].id}`, { variant: { cost_price: '-1' } }), ['Cost price must be greater than or equal to 0']);
      expect(data(await call('GET', 'products/count')).count).toBe(before);
    });
  });
});
