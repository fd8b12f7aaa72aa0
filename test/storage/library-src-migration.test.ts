import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { librarySrc } from '../../src/storage/migrations/004-library-src.js';
import { startApi, type TestApi } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

const hash = 'f'.repeat(32);

describe.each(DIALECTS)('migration 004-library-src on %s', (dialect) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(() => api.close());

  it('keeps only the file name of images whose src is the CDN URL the ingestor baked in, and leaves sent URLs alone', async () => {
    const sent = [
      `//127.0.0.1:8080/cdn/${hash}.png`,
      `//cdn.example.com/${hash}.jpg`,
      `https://img.example.com/${hash}.png`,
      '//img.example.com/photo.png',
      `//127.0.0.1:8080/cdn/${hash}_400x.png`,
    ];
    const created = await api.call('POST', 'products', { product: { title: 'Old rows', images: sent.map((src) => ({ src })) } });
    expect(created.statusCode).toBe(200);
    const db = api.db.database.db;
    await librarySrc().up(db);
    const rows = await db.selectFrom('images').select(['src', 'position']).orderBy('position').execute();
    expect(rows.map((row) => row.src)).toEqual([
      `${hash}.png`,
      `${hash}.jpg`,
      `https://img.example.com/${hash}.png`,
      '//img.example.com/photo.png',
      `//127.0.0.1:8080/cdn/${hash}_400x.png`,
    ]);
    // Ran again (or on a migrated database) it changes nothing.
    await librarySrc().up(db);
    expect((await db.selectFrom('images').select(['src', 'position']).orderBy('position').execute()).map((row) => row.src)).toEqual(rows.map((row) => row.src));
  });
});
