import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_COLUMNS } from '../../src/storage/image-columns.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';

const NOW = '2024-05-01T12:00:00Z';

/** What every dialect's factories must do alike; the change feed has its own suite (change-feed.test.ts). */
describe.each(DIALECTS)('the %s dialect', (dialect) => {
  let db: TestDatabase;
  const shopId = randomUUID();
  const productId = randomUUID();
  const emptyProductId = randomUUID();
  const imageIds = [randomUUID(), randomUUID()];
  beforeAll(async () => {
    db = await freshDatabase(dialect);
    const { database } = db;
    await database.db.insertInto('shops').values({ id: shopId, subdomain: 'dialect', name: 'Dialect', active: 1, created_at: NOW, updated_at: NOW }).execute();
    await database.db.insertInto('access_tokens').values({ token_hash: 'hash', shop_id: shopId, scopes: 'read_product', created_at: NOW, public_id: '0123456789ab' }).execute();
    const products = ['id', 'shop_id', 'title', 'handle', 'description', 'vendor', 'tags', 'published', 'published_at', 'created_at', 'updated_at'];
    const product = (id: string, n: number) => [id, shopId, `P${n}`, `p${n}`, '', '', '', 1, NOW, NOW, NOW];
    const images = ['id', 'shop_id', 'product_id', 'position', 'src', 'path', 'width', 'height', 'alt', 'created_at', 'updated_at'];
    const image = (id: string, position: number) => {
      const [src, path, alt] = [`https://img.example.com/${position}.jpg`, `${position}.jpg`, `alt ${position}`];
      return [id, shopId, productId, position, src, path, 80, 60, alt, NOW, NOW];
    };
    const writer = database.createBulkWriter();
    await writer.write([
      { table: 'products', columns: products, rows: [product(productId, 1), product(emptyProductId, 2)] },
      // Second position first: the gallery must come back by position, not by insertion.
      { table: 'images', columns: images, rows: [image(imageIds[1]!, 2), image(imageIds[0]!, 1)] },
    ]);
    await writer.finish();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('bulk-writes rows that hot reads then answer, images in API field order and by position', async () => {
    const hot = db.database.createHotReads();
    const images = await hot.images(shopId, productId);
    expect(images?.map((image) => Object.keys(image))).toEqual([[...IMAGE_COLUMNS], [...IMAGE_COLUMNS]]);
    expect(images?.map((image) => [image.id, image.position, image.width, image.alt])).toEqual([
      [imageIds[0], 1, 80, 'alt 1'],
      [imageIds[1], 2, 80, 'alt 2'],
    ]);
    expect(await hot.image(shopId, productId, imageIds[1]!)).toEqual(images?.[1]);
    expect(await hot.count(shopId, productId)).toBe(2);
    expect(await hot.grant('hash')).toEqual({
      ...{ token_hash: 'hash', scopes: 'read_product', public_id: '0123456789ab', rate_limited: 0, client_id: null, expires_at: null },
      ...{ shop_id: shopId, subdomain: 'dialect', active: 1 },
    });
  });

  it('tells a product without images (empty, 0) from one that is not the shop’s (null)', async () => {
    const hot = db.database.createHotReads();
    expect(await hot.images(shopId, emptyProductId)).toEqual([]);
    expect(await hot.count(shopId, emptyProductId)).toBe(0);
    const otherShop = randomUUID();
    expect(await hot.images(otherShop, productId)).toBeNull();
    expect(await hot.count(otherShop, productId)).toBeNull();
    expect(await hot.image(otherShop, productId, imageIds[0]!)).toBeNull();
    expect(await hot.grant('no such hash')).toBeNull();
  });

  it('answers hot reads from committed data only, even during a transaction that notifies its change', async () => {
    const hot = db.database.createHotReads();
    const before = await hot.images(shopId, productId);
    await db.database.db.transaction().execute(async (trx) => {
      await trx.updateTable('images').set({ position: 3 }).where('id', '=', imageIds[0]!).execute();
      await db.database.notifyChange(trx, productId);
      expect(await hot.images(shopId, productId)).toEqual(before);
    });
    expect((await hot.images(shopId, productId))?.map((image) => [image.id, image.position])).toEqual([
      [imageIds[1], 2],
      [imageIds[0], 3],
    ]);
  });
});
