import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSIONS } from '../../src/contract/versions.js';
import { startApi, type TestApi } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

/**
 * `fields` as apps send it: `fields=id,name`, `fields[]=id&fields[]=name` (escaped or not) and
 * `fields[0]=id&fields[1]=name` filter alike, on every operation that takes `fields`, in every version.
 */
const forms = (names: readonly string[]) => ({
  comma: `fields=${names.join(',')}`,
  brackets: names.map((name) => `fields[]=${name}`).join('&'),
  escaped: names.map((name) => `fields%5B%5D=${name}`).join('&'),
  indexed: names.map((name, i) => `fields[${i}]=${name}`).join('&'),
});

describe.each(DIALECTS)('both forms of fields on %s', (dialect) => {
  let api: TestApi;
  let productId = '';
  let shopId = '';
  beforeAll(async () => {
    api = await startApi(dialect);
    productId = (await api.product(1)).id;
    shopId = (await api.call('GET', 'shop')).json().shop.id;
  });
  afterAll(() => api?.close());

  /** The body of a 200 answer to `GET /openapi/<version>/<path>`. */
  const body = async (version: string, path: string) => {
    const res = await api.call('GET', `/openapi/${version}/${path}`);
    expect(res.statusCode, `${path}: ${res.body}`).toBe(200);
    return res.body;
  };

  describe.each(API_VERSIONS.map((version) => version.name))('API %s', (version) => {
    it.each([
      ['GET /products', 'products', ['title', 'id']],
      ['GET /shop', 'shop', ['currency', 'name']],
      ['GET /shop/{shop_id}', '<shop>', ['currency', 'name']],
    ] as const)('%s filters the same with every form', async (_name, path, names) => {
      const target = path === '<shop>' ? `shop/${shopId}` : path;
      const all = await body(version, target);
      const { comma, ...others } = forms(names);
      const filtered = await body(version, `${target}?${comma}`);
      expect(filtered, 'fields= filters').not.toBe(all);
      expect(filtered.length).toBeLessThan(all.length);
      for (const [form, query] of Object.entries(others)) expect(await body(version, `${target}?${query}`), form).toBe(filtered);
      // Both forms in one request: every name counts.
      expect(await body(version, `${target}?fields=${names[0]}&fields[]=${names[1]}`), 'mixed').toBe(filtered);
    });

    it('GET /products/{product_id} takes no fields in either form: the whole product, as the platform documents it', async () => {
      const all = await body(version, `products/${productId}`);
      for (const query of Object.values(forms(['id', 'title']))) expect(await body(version, `products/${productId}?${query}`), query).toBe(all);
    });
  });
});
