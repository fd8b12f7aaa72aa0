import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/domain/scopes.js';
import { SeedError, startProdimg, type Seed } from '../../src/index.js';

/** The message a seed is refused with (it must be refused). */
async function refusal(seed: Seed | string): Promise<string> {
  try {
    const server = await startProdimg({ seed });
    await server.close();
  } catch (err) {
    expect(err).toBeInstanceOf(SeedError);
    return (err as Error).message;
  }
  throw new Error(`the seed was taken: ${JSON.stringify(seed)}`);
}

const UUID_A = '11111111-1111-4111-8111-111111111111';

describe('a bad seed is refused naming the file, the entry and the field', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'prodimg-seeds-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('files that cannot be read or parsed', async () => {
    expect(await refusal(file('cut.json', '{"shops": ['))).toBe(`${join(dir, 'cut.json')}: not valid JSON: Unexpected end of JSON input`);
    expect(await refusal(file('indent.yaml', 'shops:\n  - subdomain: a\n   name: b\n'))).toBe(`${join(dir, 'indent.yaml')}: not valid YAML: Sequence item without - indicator at line 3, column 1`);
    expect(await refusal(join(dir, 'missing.yml'))).toBe(`${join(dir, 'missing.yml')}: cannot read it: ENOENT`);
  });

  it('the shape: unknown keys, missing and mistyped fields, unknown scopes', async () => {
    expect(await refusal(file('shape.yaml', 'shop:\n  - subdomain: a\n'))).toBe(`${join(dir, 'shape.yaml')}: shop: unexpected property, got [{"subdomain":"a"}]`);
    expect(await refusal({ shops: [{ name: 'No subdomain' }] } as unknown as Seed)).toBe('the seed option: shops[0].subdomain: is required');
    expect(await refusal({ shops: [{ subdomain: 'a', tokens: [{ token: 'ok-token-1', scopes: ['read_products'] }] }] } as unknown as Seed)).toBe(
      `the seed option: shops[0].tokens[0].scopes[0]: must be one of ${SCOPES.map((scope) => `"${scope}"`).join(', ')}, got "read_products"`,
    );
    expect(await refusal({ shops: [{ subdomain: 'a', tokens: [{ token: 'short' }] }] })).toBe('the seed option: shops[0].tokens[0].token: expected string length greater or equal to 8, got "short"');
  });

  it('stores and products, in the API\'s own words, after their place', async () => {
    expect(await refusal({ shops: [{ subdomain: 'A_b' }] })).toBe(
      'the seed option: shops[0] ("A_b"): Subdomain must be 1-63 lowercase letters, digits or hyphens, not starting or ending with a hyphen',
    );
    expect(await refusal({ shops: [{ subdomain: 'a', email: 'nope' }] })).toBe('the seed option: shops[0] ("a"): Email must be an address such as owner@example.com; got "nope"');
    expect(await refusal(file('products.json', JSON.stringify({ shops: [{ subdomain: 'a', products: [{ title: 'Shirt', images: [{ src: 'ftp://x/y.jpg' }], variants: [{ price: 'abc' }] }] }] })))).toBe(
      `${join(dir, 'products.json')}: shops[0].products[0] ("Shirt"): Variant 1: Price must be a number; Image 1: Src must be a valid URL`,
    );
    expect(await refusal({ shops: [{ subdomain: 'a', products: [{ titel: 'Shirt' }] }] })).toBe(
      'the seed option: shops[0].products[0].titel: unknown field (allowed: title, handle, brief, description, vendor, vendor_url, tags, published, requires_shipping, taxable, note, seo_title, seo_description, seo_keywords, inventory_tracking, inventory_policy, spu, fake_sales, display_fake_sales, images, need_variant_image, options, variants, id)',
    );
    expect(await refusal({ shops: [{ subdomain: 'a', products: [{ title: 'Shirt', images: [{ src: 'https://x.example/a.jpg', colour: 'red' }] }] }] })).toBe(
      'the seed option: shops[0].products[0].images[0].colour: unknown field (allowed: src, alt, width, height, id)',
    );
  });

  it('ids that are not UUIDs or given twice, and a token given twice', async () => {
    expect(
      await refusal({
        shops: [
          { subdomain: 'a', tokens: [{ token: 'same-token' }], products: [{ title: 'A', id: 'nope' }, { title: 'B', id: UUID_A, images: [{ id: UUID_A.toUpperCase(), src: 'https://x.example/y.jpg' }] }] },
          { subdomain: 'b', tokens: [{ token: 'same-token' }] },
        ],
      }),
    ).toBe(
      'the seed option: shops[0].products[0].id: must be a UUID, got "nope"; shops[0].products[1].images[0].id: the same id as shops[0].products[1].id; shops[1].tokens[0].token: the same token as shops[0].tokens[0].token',
    );
  });
});

describe('a good seed file', () => {
  it('is read as YAML or JSON alike', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodimg-seeds-'));
    try {
      const seed = { shops: [{ subdomain: 'same', tokens: [{ token: 'same-token-1' }], products: [{ title: 'Cup', images: [{ src: 'https://x.example/cup.jpg', width: 10, height: 10 }] }] }] };
      writeFileSync(join(dir, 'seed.json'), JSON.stringify(seed));
      writeFileSync(
        join(dir, 'seed.yaml'),
        'shops:\n  - subdomain: same\n    tokens:\n      - token: same-token-1\n    products:\n      - title: Cup\n        images:\n          - src: https://x.example/cup.jpg\n            width: 10\n            height: 10\n',
      );
      const bodies: unknown[] = [];
      for (const name of ['seed.json', 'seed.yaml']) {
        const server = await startProdimg({ seed: join(dir, name), randomSeed: 3 });
        try {
          const res = await fetch(`${server.url}/openapi/2022-01/products`, { headers: { 'Access-Token': 'same-token-1' } });
          const body = (await res.json()) as { products: Array<Record<string, unknown>> };
          // The same ids from the same random seed; only the clock differs.
          bodies.push(body.products.map(({ id, title, images }) => ({ id, title, images: (images as Array<Record<string, unknown>>).map(({ id: imageId, src }) => ({ imageId, src })) })));
        } finally {
          await server.close();
        }
      }
      expect(bodies[1]).toEqual(bodies[0]);
      expect(bodies[0]).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
