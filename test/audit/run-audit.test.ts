import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditOptions, AuditTargetNotFound, auditImages } from '../../src/audit/run-audit.js';
import { loadConfig } from '../../src/config.js';
import { AUDIT_CODES, type AuditProblem } from '../../src/domain/image-audit.js';
import type { BlobStore } from '../../src/imaging/blob-store.js';
import { openBlobStore } from '../../src/open-blob-store.js';
import { createRepositories } from '../../src/storage/repositories.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { type AuditedStore, plantAuditProblems } from './audited-store.js';

async function collect(options: AuditOptions): Promise<{ problems: AuditProblem[]; progress: Array<{ imagesChecked: number; imagesTotal: number }> }> {
  const problems: AuditProblem[] = [];
  const progress: Array<{ imagesChecked: number; imagesTotal: number }> = [];
  for await (const problem of auditImages({ ...options, onProgress: (p) => progress.push(p) })) problems.push(problem);
  return { problems, progress };
}

describe.each(DIALECTS)('auditImages on %s', (dialect) => {
  let db: TestDatabase;
  let blobs: BlobStore;
  let store: AuditedStore;
  let base: AuditOptions;
  beforeAll(async () => {
    db = await freshDatabase(dialect);
    blobs = openBlobStore(loadConfig({ PRODIMG_DATA_DIR: db.dataDir, ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}) }), db.database);
    store = await plantAuditProblems(db.database, blobs, 'audited');
    // A store of its own that the shop scope must leave out.
    await plantAuditProblems(db.database, blobs, 'elsewhere');
    base = { database: db.database, blobs, minSide: 800, maxPixels: 50_000_000, shop: 'audited', pageSize: 3 };
  });
  afterAll(() => db.drop());

  it('finds every code exactly where it was planted, and nothing on the clean product', async () => {
    const { problems, progress } = await collect(base);
    const where = (code: string) => problems.filter((problem) => problem.code === code).map((problem) => ({ productId: problem.product_id, imageId: problem.image_id }));
    for (const code of AUDIT_CODES) expect(where(code), code).toEqual([store.planted[code]]);
    expect(problems).toHaveLength(AUDIT_CODES.length);
    expect(problems.every((problem) => problem.shop === 'audited' && !problem.fixed)).toBe(true);
    expect(problems.filter((problem) => problem.product_id === store.cleanId)).toEqual([]);
    // Pages of 3 products: progress after each product, counting every image of the store once.
    expect(progress[0]).toEqual({ productsChecked: 0, imagesChecked: 0, imagesTotal: 17 });
    expect(progress.at(-1)).toEqual({ productsChecked: 11, imagesChecked: 17, imagesTotal: 17 });
  });

  it('every store without a shop; one product with productId', async () => {
    const { shop: _shop, ...everywhere } = base;
    const all = await collect(everywhere);
    expect(new Set(all.problems.map((problem) => problem.shop))).toEqual(new Set(['audited', 'elsewhere']));
    expect(all.problems).toHaveLength(2 * AUDIT_CODES.length);
    const one = await collect({ ...base, productId: store.planted.positions.productId.toUpperCase() });
    expect(one.problems.map((problem) => problem.code)).toEqual(['positions']);
  });

  it('refuses an unknown store or product before yielding anything', async () => {
    await expect(collect({ ...base, shop: 'nope' })).rejects.toThrow(AuditTargetNotFound);
    await expect(collect({ ...base, productId: '00000000-0000-4000-8000-000000000000' })).rejects.toThrow('no product 00000000-0000-4000-8000-000000000000 in store "audited"');
  });

  it('--fix dimensions,positions: repaired through the repository, reported fixed, gone on the next audit', async () => {
    const scoped = { ...base, shop: 'elsewhere' };
    const before = await collect(scoped);
    const fixed = await collect({ ...scoped, fix: ['dimensions', 'positions'] });
    expect(fixed.problems.filter((problem) => problem.fixed).map((problem) => problem.code).sort()).toEqual(['dimensions_mismatch', 'positions']);
    expect(fixed.problems.map(({ fixed: _f, ...problem }) => problem)).toEqual(before.problems.map(({ fixed: _f, ...problem }) => problem));
    const after = await collect(scoped);
    expect(after.problems.map((problem) => problem.code).sort()).toEqual(AUDIT_CODES.filter((code) => code !== 'dimensions_mismatch' && code !== 'positions').sort());

    const repos = createRepositories(db.database);
    const elsewhere = (await repos.shops.find('elsewhere'))!;
    const mismatched = before.problems.find((problem) => problem.code === 'dimensions_mismatch')!;
    expect(await repos.images.get(elsewhere.id, mismatched.product_id, mismatched.image_id!)).toMatchObject({ width: 1000, height: 1000 });
    const renumbered = before.problems.find((problem) => problem.code === 'positions')!;
    expect((await repos.images.list(elsewhere.id, renumbered.product_id))!.map((image) => image.position)).toEqual([1, 2]);
  });

  it('a measured size is stored only while the image still names the file measured; renumbering a missing product changes nothing', async () => {
    const repos = createRepositories(db.database);
    const { productId, imageId } = store.planted.too_small;
    const before = (await repos.images.get(store.shopId, productId, imageId!))!;
    const now = '2030-01-01T00:00:00Z';
    expect(await repos.images.setMeasuredSize(store.shopId, productId, imageId!, 'another.jpg', { width: 1, height: 1 }, now)).toBe(false);
    expect(await repos.images.get(store.shopId, productId, imageId!)).toEqual(before);
    // The product row is left alone too: a refused fix leaves no trace, not even updated_at.
    expect((await repos.products.get(store.shopId, productId))!.updated_at).not.toBe(now);
    expect(await repos.images.renumber(store.shopId, '00000000-0000-4000-8000-000000000000', now)).toBe('no-product');
  });
});
