import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { ShopService } from '../../src/domain/shop-service.js';
import { PRODUCT_SETTING_DEFAULTS } from '../../src/domain/entities.js';
import { variantsAndOptions } from '../../src/storage/migrations/005-variants-and-options.js';
import { productFields } from '../../src/storage/migrations/015-product-fields.js';
import { createRepositories } from '../../src/storage/repositories.js';
import { seedImages } from '../../src/storage/seed.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';

const T = '2024-04-08T07:13:28Z';

describe.each(DIALECTS)('every product has its default variant, on %s', (dialect) => {
  let db: TestDatabase;
  afterEach(() => db.drop());

  it('gives products stored before migration 003 their default variant', async () => {
    db = await freshDatabase(dialect);
    const kysely = db.database.db;
    // Back to the schema before the step, with a product stored then.
    await kysely.schema.dropTable('variants').execute();
    await kysely.schema.dropTable('product_options').execute();
    await kysely.schema.alterTable('products').dropColumn('need_variant_image').execute();
    for (const column of Object.keys(PRODUCT_SETTING_DEFAULTS)) await kysely.schema.alterTable('products').dropColumn(column).execute();
    const repos = createRepositories(db.database);
    const shop = await new ShopService(repos.shops, repos.tokens, () => T).create('alpha', { name: 'Alpha' });
    const old = { id: '11111111-1111-4111-8111-111111111111', title: 'Old', handle: 'old', description: '', vendor: '', tags: '', published: 1, published_at: T, created_at: T, updated_at: T };
    await sql`INSERT INTO products (id, shop_id, title, handle, description, vendor, tags, published, published_at, created_at, updated_at)
      VALUES (${old.id}, ${shop.id}, ${old.title}, ${old.handle}, '', '', '', 1, ${T}, ${T}, ${T})`.execute(kysely);

    await variantsAndOptions(dialect).up(kysely);
    // And the later step that adds columns to both tables (015), as an upgrade runs them in order.
    await productFields().up(kysely);

    const product = await repos.products.get(shop.id, old.id);
    expect(product).toMatchObject({ ...PRODUCT_SETTING_DEFAULTS, need_variant_image: false, options: [] });
    expect(product!.variants).toEqual([
      {
        ...{ id: expect.stringMatching(/^[0-9a-f-]{36}$/), product_id: old.id, title: 'Default Title', option1: null, option2: null, option3: null },
        ...{ price: '0.00', compare_at_price: '0.00', cost_price: '0.00', sku: '', barcode: '', note: '', position: 1, weight: '0', weight_unit: 'kg', inventory_quantity: 0 },
        ...{ image_id: '', image: null, created_at: T, updated_at: T },
      },
    ]);
  });

  it('seeds products with their default variant', async () => {
    db = await freshDatabase(dialect);
    const repos = createRepositories(db.database);
    const shop = await new ShopService(repos.shops, repos.tokens, () => T).create('alpha', { name: 'Alpha' });
    const seeded = await seedImages(db.database, shop.id, 5, 2, T);
    expect(await repos.variants.count(shop.id, seeded.productId)).toBe(1);
    const row = await db.database.db.selectFrom('variants').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(row.n)).toBe(seeded.products);
  });
});
