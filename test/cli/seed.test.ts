import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/server/build-app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { WAIT_MS } from '../support/waiting.js';

const BIN = fileURLToPath(new URL('../../bin/prodimg.js', import.meta.url));

describe('prodimg seed', () => {
  describe.each(DIALECTS)('on %s', (dialect) => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await freshDatabase(dialect);
    });
    afterAll(() => db.drop());

    it('fills a store that the API then serves, with positions 1..n per product', async () => {
      const { DATABASE_URL: _ignored, ...env } = process.env;
      const res = spawnSync(process.execPath, [BIN, 'seed', '--images', '1234', '--per-product', '50'], {
        env: { ...env, PRODIMG_DATA_DIR: db.dataDir, ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}) },
        encoding: 'utf8',
        timeout: WAIT_MS,
      });
      expect(res.status).toBe(0);
      const out = JSON.parse(res.stdout.trim().split('\n').at(-1)!);
      expect(out).toMatchObject({ shop: 'bench', images: 1234 });

      const app = await buildApp({ config: loadConfig({ PRODIMG_DATA_DIR: db.dataDir, PRODIMG_INGEST: 'off' }), database: db.database });
      try {
        const headers = { 'access-token': out.token };
        const count = await app.inject({ url: '/openapi/2022-01/products/count', headers });
        expect(count.json()).toEqual({ count: 25 });
        const list = await app.inject({ url: `/openapi/2022-01/products/${out.product_id}/images`, headers });
        expect(list.json().images.map((i: { position: number }) => i.position)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
        const one = await app.inject({ url: `/openapi/2022-01/products/${out.product_id}/images/${out.image_id}`, headers });
        expect(one.json().image).toMatchObject({ id: out.image_id, width: 800, height: 600 });
        const last = await db.database.db.selectFrom('images').select((eb) => eb.fn.max('position').as('p')).where('product_id', 'not in', [out.product_id]).executeTakeFirstOrThrow();
        expect(Number(last.p)).toBe(50);
      } finally {
        await app.close();
      }
    });
  });
});
