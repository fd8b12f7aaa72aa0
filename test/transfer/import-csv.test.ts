import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { ShopService } from '../../src/domain/shop-service.js';
import { createRepositories } from '../../src/storage/repositories.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import type { ProcessRun } from '../support/run-process.js';
import { waitsTimeout } from '../support/waiting.js';
import { generateCatalogue, type GeneratedCatalogue } from './catalogue-csv.js';
import { unreachableUrl } from './catalogue-origin.js';
import { catalogueFixture, cliEnv, prodimg, summaryOf } from './transfer-cli.js';

describe('prodimg import of a 2,000-row spreadsheet with bad rows', () => {
  const files = catalogueFixture('prodimg-import-');

  describe.each(DIALECTS)('on %s', (dialect) => {
    let db: TestDatabase;
    let catalogue: GeneratedCatalogue;
    let file: string;
    let run: ProcessRun;
    let shopId: string;
    beforeAll(async () => {
      db = await freshDatabase(dialect);
      const repositories = createRepositories(db.database);
      const shop = await new ShopService(repositories.shops, repositories.tokens, systemClock).create('acme', {});
      shopId = shop.id;
      // Two products already share the handle p-40: rows for it cannot tell which to update.
      for (const title of ['First p-40', 'Second p-40']) {
        await repositories.products.create(shop.id, { title, handle: 'p-40', description: '', vendor: '', tags: '', published: true, images: [] }, systemClock());
      }
      catalogue = generateCatalogue(files.origin, 499, { bad: true, unreachable: await unreachableUrl('/gone.jpg') });
      file = join(files.dir, `${dialect}.csv`);
      writeFileSync(file, catalogue.csv);
      run = await prodimg(['import', file, '--shop', 'acme', '--concurrency', '4'], cliEnv(db));
    }, waitsTimeout(2));
    afterAll(() => db?.drop());

    it('reads 2,000 rows, exits 1 as rows failed, and sums up on its last line', () => {
      expect(catalogue.rows).toBe(2000);
      expect(run.stderr).toContain('ignored columns: Type');
      expect(run.status, run.stderr).toBe(1);
      expect(summaryOf(run)).toMatchObject({
        products: 500,
        created: catalogue.good.length,
        updated: 0,
        failed: 5,
        failed_rows: catalogue.failures.length,
        report: `${file}.report.csv`,
      });
    });

    it('reports every failed row with its line number (the header is line 1), its handle and the reason in words', () => {
      const report = parse(readFileSync(`${file}.report.csv`), { columns: true }) as Array<{ line: string; handle: string; reason: string }>;
      expect(report.map((row) => Number(row.line))).toEqual(catalogue.failures.map((failure) => failure.line));
      report.forEach((row, i) => {
        expect(row.handle).toBe(catalogue.failures[i]!.handle);
        expect(row.reason).toMatch(catalogue.failures[i]!.reason);
      });
    });

    it('creates every good product whole: its fields, images in position order with alt text, variants with their image', async () => {
      const repositories = createRepositories(db.database);
      expect(await repositories.products.count(shopId, {})).toBe(catalogue.good.length + 2);
      const { rows } = await db.database.db
        .selectFrom('products')
        .select(['id', 'handle'])
        .where('shop_id', '=', shopId)
        .execute()
        .then((found) => ({ rows: found }));
      const byHandle = new Map(rows.map((row) => [row.handle, row.id]));
      for (const handle of catalogue.bad.filter((h) => h !== 'p-40')) expect(byHandle.has(handle), handle).toBe(handle === 'p-60');
      for (const handle of ['p-0', 'p-7', 'p-60', 'p-498']) {
        const i = Number(handle.slice(2));
        const product = (await repositories.products.get(shopId, byHandle.get(handle)!))!;
        expect(product).toMatchObject({ title: `Product ${i}`, description: `<p>About ${i}</p>`, vendor: 'Acme', tags: `tag-${i % 7}, all`, published: i % 5 !== 0 });
        expect(product.images.map((image) => [image.position, image.alt])).toEqual([[1, `Front of ${i}`], [2, `Back of ${i}`], [3, '']]);
        expect(product.images.every((image) => /^[0-9a-f]{32}\.jpg$/.test(image.path) && image.width >= 24 && image.height === 16)).toBe(true);
        expect(product.options.map((option) => [option.name, option.values])).toEqual([['Size', ['S', 'M', 'L']]]);
        expect(product.variants.map((variant) => [variant.option1, variant.sku, variant.image_id])).toEqual([
          ['S', `SKU-${i}-S`, ''],
          ['M', `SKU-${i}-M`, product.images[1]!.id],
          ['L', `SKU-${i}-L`, ''],
        ]);
      }
    });

    it('leaves nothing of a failed product, and stores an image shared by many products once', async () => {
      const images = await db.database.db.selectFrom('images').select(['path']).where('shop_id', '=', shopId).execute();
      expect(images).toHaveLength(catalogue.good.length * 3);
      expect(new Set(images.map((image) => image.path)).size).toBe(catalogue.good.length * 2 + catalogue.sharedImages);
      const p40 = await db.database.db.selectFrom('products').select(['title']).where('handle', '=', 'p-40').orderBy('title').execute();
      expect(p40.map((row) => row.title)).toEqual(['First p-40', 'Second p-40']);
    });

    it('run again, it finds the finished run and applies every product again as an update, downloading no source a second time', async () => {
      const before = new Map(files.origin.hits);
      const again = await prodimg(['import', file, '--shop', 'acme', '--quiet'], cliEnv(db));
      expect(again.status, again.stderr).toBe(1);
      expect(again.stderr).toBe('');
      expect(summaryOf(again)).toMatchObject({ created: 0, updated: catalogue.good.length, failed: 5, resumed: 0 });
      // A failed product's images were downloaded but never kept: those are downloaded again.
      const ofFailed = new Set(catalogue.bad.flatMap((handle) => [`/img/${2 * Number(handle.slice(2))}.jpg`, `/img/${2 * Number(handle.slice(2)) + 1}.jpg`]));
      const refetched = [...files.origin.hits].filter(([path, n]) => path.startsWith('/img/') && !ofFailed.has(path) && n > (before.get(path) ?? 0));
      expect(refetched).toEqual([]);
      expect(await db.database.db.selectFrom('images').select('id').where('shop_id', '=', shopId).execute()).toHaveLength(catalogue.good.length * 3);
    }, waitsTimeout(1));
  });
});
