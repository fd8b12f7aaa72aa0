import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { waitsTimeout } from '../support/waiting.js';
import type { CatalogueOrigin } from './catalogue-origin.js';
import { catalogueFixture, createStores, cliEnv, prodimg, productsOfCsv } from './transfer-cli.js';

const FORMULAS = { title: '=HYPERLINK("http://evil.example/?x","Click")', handle: 'formulas', description: '@SUM(A1:A2)', vendor: "'=already quoted", tags: '+1+1' };

/** The platform's other product fields (issue 23), unlike their defaults: JSON Lines carry them. */
const PLATFORM_FIELDS = {
  brief: 'Rich, "whipped" cream',
  vendor_url: 'https://maison.example.com',
  requires_shipping: false,
  taxable: false,
  note: 'Keep cool',
  seo_title: 'Crème Deluxe',
  seo_description: 'A rich cream, 50 or 100 ml.',
  seo_keywords: 'cream,skin',
  inventory_tracking: true,
  inventory_policy: 'deny',
  spu: 'CR-DELUXE',
  fake_sales: 12,
  display_fake_sales: true,
};

/** Products in the API's shape with what a spreadsheet makes hard: quotes, commas, line breaks, accents, three options, weights, no options. */
function sourceProducts(origin: CatalogueOrigin): unknown[] {
  const img = (n: number) => origin.url(`/img/${500 + n}.jpg`);
  return [
    {
      title: 'Crème "Deluxe", 50ml',
      handle: 'creme-deluxe',
      description: '<p>Line one,\nline "two"</p>',
      vendor: 'Maison Ä',
      tags: 'skin, care',
      published: true,
      ...PLATFORM_FIELDS,
      images: [
        { id: 'a', src: img(1), alt: 'Jar, front', position: 2 },
        { id: 'b', src: img(2), alt: 'Jar "open"', position: 1 },
        { id: 'c', src: img(3), alt: '', position: 3 },
      ],
      options: [
        { name: 'Size', values: ['50ml', '100ml'] },
        { name: 'Scent', values: ['Rose', 'Oud'] },
        { name: 'Pack', values: ['One'] },
      ],
      variants: [
        { option1: '50ml', option2: 'Rose', option3: 'One', price: '19.90', compare_at_price: '25.00', cost_price: '8.10', note: 'Glass jar', sku: 'CR-50-R', barcode: '0001', weight: '0.25', weight_unit: 'lb', inventory_quantity: 7, image_id: 'a' },
        { option1: '100ml', option2: 'Oud', option3: 'One', price: '29.90', sku: 'CR-100-O', weight: '120', weight_unit: 'g', inventory_quantity: -2, image_id: 'c' },
      ],
    },
    { title: 'Plain tote', handle: 'plain-tote', published: false, images: [{ src: img(4), alt: 'Tote' }], variants: [{ price: '5.00', sku: 'TOTE', weight: '0.3', weight_unit: 'kg' }] },
    { title: 'No images at all', handle: 'no-images', vendor: 'Acme' },
    // What a spreadsheet would run as formulas: quoted in the CSV, read back exactly.
    {
      ...FORMULAS,
      images: [{ src: img(5), alt: '-minus alt' }],
      variants: [{ price: '5.00', sku: '=1+2', barcode: '@x', weight: '1', weight_unit: 'kg', inventory_quantity: -5 }],
    },
  ];
}

describe('export, then import into another store: the same products', () => {
  const files = catalogueFixture('prodimg-round-trip-');

  describe.each(DIALECTS)('on %s', (dialect) => {
    let db: TestDatabase;
    let env: Record<string, string>;
    beforeAll(async () => {
      db = await freshDatabase(dialect);
      env = cliEnv(db);
      await createStores(db, ['source', 'from-csv', 'from-jsonl']);
      const input = join(files.dir, `${dialect}-source.jsonl`);
      writeFileSync(input, `${sourceProducts(files.origin).map((product) => JSON.stringify(product)).join('\n')}\n`);
      const imported = await prodimg(['import', input, '--shop', 'source', '--quiet'], env);
      expect(imported.status, imported.stderr + imported.stdout).toBe(0);
    }, waitsTimeout(1));
    afterAll(() => db?.drop());

    const exportOf = async (shop: string, format: 'csv' | 'jsonl') => {
      const out = join(files.dir, `${dialect}-${shop}.${format}`);
      const run = await prodimg(['export', '--shop', shop, '--out', out, '--quiet'], env);
      expect(run.status, run.stderr).toBe(0);
      return out;
    };

    it.each(['csv', 'jsonl'] as const)('through %s, image order, alt text, options, variants and their images included', async (format) => {
      const file = await exportOf('source', format);
      const target = `from-${format}`;
      const imported = await prodimg(['import', file, '--shop', target, '--quiet'], env);
      expect(imported.status, imported.stderr + imported.stdout).toBe(0);
      const [before, after] = await Promise.all([exportOf('source', 'csv'), exportOf(target, 'csv')]);
      const products = productsOfCsv(readFileSync(before, 'utf8'));
      expect(products.map(([handle]) => handle)).toEqual(['', 'creme-deluxe', 'formulas', 'no-images', 'plain-tote']);
      expect(productsOfCsv(readFileSync(after, 'utf8'))).toEqual(products);
    }, waitsTimeout(4));

    // Issue 23: JSON Lines in the API's shape dropped the platform's other product and variant fields.
    it('keeps the platform product fields and each variant\'s note and cost price through JSON Lines', async () => {
      const read = async (shop: string) => readFileSync(await exportOf(shop, 'jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
      const [source, copy] = await Promise.all([read('source'), read('from-jsonl')]);
      const fieldsOf = (products: Array<Record<string, any>>) =>
        products.map((product) => ({
          handle: product.handle,
          ...Object.fromEntries(Object.keys(PLATFORM_FIELDS).map((key) => [key, product[key]])),
          inventory_quantity: product.inventory_quantity,
          variants: product.variants.map((variant: Record<string, any>) => [variant.title, variant.cost_price, variant.note]),
        }));
      const creme = fieldsOf(source).find((product) => product.handle === 'creme-deluxe');
      expect(creme).toEqual({ handle: 'creme-deluxe', ...PLATFORM_FIELDS, inventory_quantity: 5, variants: [['50ml / Rose / One', '8.10', 'Glass jar'], ['100ml / Oud / One', '0.00', '']] });
      expect(fieldsOf(copy).sort((a, b) => a.handle.localeCompare(b.handle))).toEqual(fieldsOf(source).sort((a, b) => a.handle.localeCompare(b.handle)));
      // The spreadsheet has columns for some of them only (docs/import-export.md).
      const viaCsv = (await read('from-csv')).find((product) => product.handle === 'creme-deluxe')!;
      const { seo_title, seo_description, requires_shipping, taxable } = PLATFORM_FIELDS;
      expect(viaCsv).toMatchObject({ seo_title, seo_description, requires_shipping, taxable, brief: '' });
      expect(viaCsv.variants.map((variant: Record<string, any>) => variant.cost_price)).toEqual(['8.10', '0.00']);
    }, waitsTimeout(3));

    it('keeps what the source said: images by position, each variant\'s image, weights exactly, a multi-line description', async () => {
      const jsonl = readFileSync(await exportOf('from-csv', 'jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
      const creme = jsonl.find((product) => product.handle === 'creme-deluxe')!;
      expect(creme.title).toBe('Crème "Deluxe", 50ml');
      expect(creme.description).toBe('<p>Line one,\nline "two"</p>');
      expect(creme.images.map((image: { alt: string }) => image.alt)).toEqual(['Jar "open"', 'Jar, front', '']);
      expect(creme.variants.map((v: Record<string, unknown>) => [v.sku, v.weight, v.weight_unit, v.inventory_quantity, v.compare_at_price])).toEqual([
        ['CR-50-R', '0.25', 'lb', 7, '25.00'],
        ['CR-100-O', '120', 'g', -2, '0.00'],
      ]);
      expect(creme.variants.map((v: { image_id: string }) => creme.images.findIndex((image: { id: string }) => image.id === v.image_id))).toEqual([1, 2]);
      const tote = jsonl.find((product) => product.handle === 'plain-tote')!;
      expect([tote.published, tote.has_only_default_variant, tote.variants[0].price, tote.variants[0].sku]).toEqual([false, true, '5.00', 'TOTE']);
    });

    it('writes formula-like text quoted in the CSV (numbers stay numbers) and reads it back exactly', async () => {
      const csv = readFileSync(await exportOf('source', 'csv'), 'utf8');
      const row = csv.split('\n').find((line) => line.startsWith('formulas,'))!;
      expect(row).toContain(`"'=HYPERLINK(""http://evil.example/?x"",""Click"")"`);
      expect(row).toContain(",'@SUM(A1:A2),''=already quoted,'+1+1,");
      expect(row).toContain(",'=1+2,");
      // Inventory -5 and the price are numbers: unquoted.
      expect(row).toContain(',-5,5.00,');
      expect(row).toContain(",'-minus alt,");
      const jsonl = readFileSync(await exportOf('from-csv', 'jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
      const formulas = jsonl.find((product) => product.handle === 'formulas')!;
      expect({ title: formulas.title, handle: formulas.handle, description: formulas.description, vendor: formulas.vendor, tags: formulas.tags }).toEqual(FORMULAS);
      expect(formulas.images.map((image: { alt: string }) => image.alt)).toEqual(['-minus alt']);
      expect([formulas.variants[0].sku, formulas.variants[0].barcode, formulas.variants[0].inventory_quantity]).toEqual(['=1+2', '@x', -5]);
    });
  });
});
