import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { ShopService } from '../../src/domain/shop-service.js';
import { createRepositories } from '../../src/storage/repositories.js';
import { prng } from '../reliability/support-workload.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { within, waitsTimeout } from '../support/waiting.js';
import { generateCatalogue } from './catalogue-csv.js';
import { unreachableUrl } from './catalogue-origin.js';
import { catalogueFixture, CLI_BIN, cliEnv, prodimg, productsOfCsv, summaryOf } from './transfer-cli.js';

const SEED = Number(process.env.PRODIMG_TEST_SEED) || 20261130;

describe(`an import killed with SIGKILL three times ends as an uninterrupted one (seed ${SEED})`, () => {
  const files = catalogueFixture('prodimg-resume-');

  describe.each(DIALECTS)('on %s', (dialect) => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await freshDatabase(dialect);
    });
    afterAll(() => db?.drop());

    it('continues where each kill stopped it, duplicating no product or image', async () => {
      const random = prng(SEED);
      const repositories = createRepositories(db.database);
      const shops = new ShopService(repositories.shops, repositories.tokens, systemClock);
      const stores = { whole: await shops.create('whole', {}), killed: await shops.create('killed', {}) };
      for (const shop of Object.values(stores)) {
        for (const title of ['First p-40', 'Second p-40']) {
          await repositories.products.create(shop.id, { title, handle: 'p-40', description: '', vendor: '', tags: '', published: true, images: [] }, systemClock());
        }
      }
      const catalogue = generateCatalogue(files.origin, 120, { bad: true, unreachable: await unreachableUrl('/gone.jpg') });
      const total = catalogue.products + 1;
      const env = cliEnv(db);
      const wholeFile = join(files.dir, `${dialect}-whole.csv`);
      const killedFile = join(files.dir, `${dialect}-killed.csv`);
      writeFileSync(wholeFile, catalogue.csv);
      writeFileSync(killedFile, catalogue.csv);

      const whole = await prodimg(['import', wholeFile, '--shop', 'whole', '--quiet'], env);
      expect(whole.status, whole.stderr).toBe(1);

      const settled = async () => {
        const { rows } = await sql<{ n: number | string }>`
          select count(*) as n from import_items i join import_runs r on r.id = i.run_id where r.shop_id = ${stores.killed.id}`.execute(db.database.db);
        return Number(rows[0]?.n ?? 0);
      };
      // Three kills at random moments: the first perhaps before anything is settled, the others later on.
      const moments = [Math.floor(random() * total * 0.2), Math.floor(total * (0.25 + random() * 0.25)), Math.floor(total * (0.55 + random() * 0.35))];
      for (const moment of moments) {
        const child = spawn(process.execPath, [CLI_BIN, 'import', killedFile, '--shop', 'killed', '--quiet'], { env: { ...process.env, ...env }, stdio: 'ignore' });
        const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
        let ended = false;
        void exited.then(() => (ended = true));
        await within(
          (async () => {
            while (!ended && (await settled()) < moment) await new Promise((resolve) => setImmediate(resolve));
          })(),
          `the import settling ${moment} products`,
        );
        child.kill('SIGKILL');
        expect(await within(exited, 'the killed import to exit')).toBe('SIGKILL');
      }
      expect(await settled()).toBeLessThan(total);

      const finished = await prodimg(['import', killedFile, '--shop', 'killed', '--quiet'], env);
      expect(finished.status, finished.stderr).toBe(1);
      expect(summaryOf(finished)).toMatchObject({ products: total, failed: 5, failed_rows: catalogue.failures.length });
      expect(Number(summaryOf(finished).resumed)).toBeGreaterThan(0);

      // The same store contents, exported, and the same report.
      const exported = await Promise.all(['whole', 'killed'].map((shop) => prodimg(['export', '--shop', shop, '--format', 'csv', '--quiet'], env)));
      expect(exported[0]!.status, exported[0]!.stderr).toBe(0);
      expect(productsOfCsv(exported[1]!.stdout)).toEqual(productsOfCsv(exported[0]!.stdout));
      expect(exported[0]!.stdout.trimEnd().split('\n')).toHaveLength(1 + catalogue.good.length * 3 + 2);
      expect(readFileSync(`${killedFile}.report.csv`, 'utf8')).toBe(readFileSync(`${wholeFile}.report.csv`, 'utf8'));
      for (const shop of Object.values(stores)) {
        const handles = await db.database.db.selectFrom('products').select('handle').where('shop_id', '=', shop.id).execute();
        expect(handles).toHaveLength(catalogue.good.length + 2);
        expect(new Set(handles.map((row) => row.handle)).size).toBe(catalogue.good.length + 1);
        const images = await db.database.db.selectFrom('images').select('id').where('shop_id', '=', shop.id).execute();
        expect(images).toHaveLength(catalogue.good.length * 3);
      }
    }, waitsTimeout(8));
  });
});
