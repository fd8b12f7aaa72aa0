import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewImage } from '../../src/domain/entities.js';
import { AUDIT_CODES, AUDIT_RULES } from '../../src/domain/image-audit.js';
import { openBlobStore } from '../../src/open-blob-store.js';
import { createRepositories } from '../../src/storage/repositories.js';
import { type AuditedStore, plantAuditProblems } from '../audit/audited-store.js';
import { makeJpeg } from '../imaging/fixtures/images.js';
import { type Origin, send, startOrigin } from '../imaging/fixtures/origin-server.js';
import { startApi, type TestApi, untilCaching } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';
import { type ProcessRun, runProcess } from '../support/run-process.js';
import { WAIT_MS } from '../support/waiting.js';

const BIN = fileURLToPath(new URL('../../bin/prodimg.js', import.meta.url));

/** Runs the real CLI to its end; `node` options (a preload) go before the script. */
function prodimg(args: string[], env: Record<string, string>, nodeOptions: string[] = []): Promise<ProcessRun> {
  const { DATABASE_URL: _u, PRODIMG_DATA_DIR: _d, PRODIMG_ALLOW_PRIVATE_SOURCES: _p, ...inherited } = process.env;
  return runProcess(process.execPath, [...nodeOptions, BIN, ...args], { ...inherited, ...env }, `prodimg ${args.join(' ')}`);
}

const FIELDS = ['shop', 'product_id', 'image_id', 'code', 'severity', 'message', 'fix', 'fixed'];

describe('prodimg audit', () => {
  describe.each(DIALECTS)('on %s, beside a running server', (dialect) => {
    let api: TestApi;
    let origin: Origin;
    let store: AuditedStore;
    let env: Record<string, string>;
    let external: { id: string; imageIds: string[] };
    beforeAll(async () => {
      origin = await startOrigin({ '/ext.jpg': send(await makeJpeg(1000, 1000), 'image/jpeg') });
      api = await startApi(dialect);
      const blobs = openBlobStore(api.config, api.db.database);
      store = await plantAuditProblems(api.db.database, blobs, 'alpha');
      // Ingestion off keeps src as sent: two external images of their own store, sizes unknown (0).
      const repos = createRepositories(api.db.database);
      const outside = await repos.shops.create({ subdomain: 'outside', name: 'Outside', email: '', currency: 'USD', timezone: '+0000' }, '2024-04-08T07:13:28Z');
      const images: Array<NewImage & { path: string }> = [
        { src: origin.url('/ext.jpg'), path: 'ext.jpg', alt: 'Front', width: 0, height: 0 },
        { src: origin.url('/gone.jpg'), path: 'gone.jpg', alt: 'Back', width: 0, height: 0 },
      ];
      const product = await repos.products.create(
        outside.id,
        {
          title: 'Hosted elsewhere',
          description: '',
          vendor: '',
          tags: '',
          published: true,
          images,
        },
        '2024-04-08T07:13:28Z',
      );
      external = { id: product.id, imageIds: product.images.map((image) => image.id) };
      env = { PRODIMG_DATA_DIR: api.db.dataDir, ...(api.db.databaseUrl ? { DATABASE_URL: api.db.databaseUrl } : {}) };
    });
    afterAll(async () => {
      await api.close();
      await origin.close();
    });

    it('prints a table of every problem with a summary line, and exits 1 for errors', async () => {
      const res = await prodimg(['audit', '--shop', 'alpha'], env);
      expect(res.status, res.stderr).toBe(1);
      const lines = res.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^SHOP +PRODUCT +IMAGE +SEVERITY +CODE +MESSAGE +FIX$/);
      for (const code of AUDIT_CODES) {
        const { productId, imageId } = store.planted[code];
        const rows = lines.filter((line) => line.includes(` ${code} `));
        expect(rows, code).toHaveLength(1);
        expect(rows[0]).toMatch(new RegExp(`^alpha +${productId} ${imageId ?? '-'} +${AUDIT_RULES[code].severity} +${code} `));
        expect(rows[0]!.endsWith(AUDIT_RULES[code].fix)).toBe(true);
      }
      expect(lines.some((line) => line.includes(store.cleanId))).toBe(false);
      expect(lines.at(-1)).toBe('17 images checked, 5 errors, 5 warnings');
      // No progress: stderr is not a terminal here.
      expect(res.stderr).toBe('');
    });

    it('--json: the array only, one entry per problem in the documented shape', async () => {
      const res = await prodimg(['audit', '--shop', 'alpha', '--json'], env);
      expect(res.status).toBe(1);
      const problems = JSON.parse(res.stdout) as Array<Record<string, unknown>>;
      expect(problems).toHaveLength(AUDIT_CODES.length);
      for (const problem of problems) expect(Object.keys(problem)).toEqual(FIELDS);
      expect(problems.map((problem) => problem.code).sort()).toEqual([...AUDIT_CODES].sort());
      const missingAlt = problems.find((problem) => problem.code === 'missing_alt');
      expect(missingAlt).toEqual({
        shop: 'alpha',
        product_id: store.planted.missing_alt.productId,
        image_id: store.planted.missing_alt.imageId,
        code: 'missing_alt',
        severity: 'error',
        message: 'The image has no alt text.',
        fix: AUDIT_RULES.missing_alt.fix,
        fixed: false,
      });
      expect(res.stderr).toBe('prodimg audit: 17 images checked, 5 errors, 5 warnings\n');
    });

    it('--product: only that product; a clean one exits 0', async () => {
      const clean = await prodimg(['audit', '--product', store.cleanId], env);
      expect(clean).toMatchObject({ status: 0, stdout: 'No problems found.\n3 images checked, 0 errors, 0 warnings\n' });
      expect(JSON.parse((await prodimg(['audit', '--product', store.cleanId, '--json'], env)).stdout)).toEqual([]);
      const small = await prodimg(['audit', '--shop', 'alpha', '--product', store.planted.too_small.productId, '--json'], env);
      // Warnings only: exit 0.
      expect(small.status).toBe(0);
      expect(JSON.parse(small.stdout).map((problem: { code: string }) => problem.code)).toEqual(['too_small']);
      // --min-side moves the line.
      const smaller = await prodimg(['audit', '--product', store.planted.too_small.productId, '--min-side', '500', '--json'], env);
      expect(JSON.parse(smaller.stdout)).toEqual([]);
    });

    it.each([
      [['--product', 'not-a-uuid'], '--product must be a product id (a UUID), got "not-a-uuid"'],
      [['--product', '00000000-0000-4000-8000-000000000000'], 'no product 00000000-0000-4000-8000-000000000000'],
      [['--shop', 'nope'], 'no store "nope"'],
      [['--fix', 'dimensions,alt'], '--fix takes dimensions, positions (comma-separated), got "dimensions,alt"'],
      [['--min-side', '0'], '--min-side must be an integer from 1 to 65535, got "0"'],
    ])('usage error %j: exit 2, one line', async (args, message) => {
      const res = await prodimg(['audit', ...args], env);
      expect(res).toEqual({ status: 2, stdout: '', stderr: `prodimg: ${message}\n` });
    });

    it('external images get no file checks, unless --check-external fetches them through the guarded downloader', async () => {
      const plain = await prodimg(['audit', '--shop', 'outside', '--json'], env);
      expect(plain).toMatchObject({ status: 0 });
      expect(JSON.parse(plain.stdout)).toEqual([]);

      // The address guard holds: the origin is on loopback.
      const guarded = await prodimg(['audit', '--shop', 'outside', '--check-external', '--json'], env);
      expect(guarded.status).toBe(1);
      expect(JSON.parse(guarded.stdout).map((problem: { code: string; message: string }) => [problem.code, problem.message])).toEqual([
        ['missing_file', `The file ext.jpg cannot be read: Src points to a private address.`],
        ['missing_file', `The file gone.jpg cannot be read: Src points to a private address.`],
      ]);

      const fetched = await prodimg(['audit', '--shop', 'outside', '--check-external', '--json'], { ...env, PRODIMG_ALLOW_PRIVATE_SOURCES: '1' });
      expect(fetched.status).toBe(1);
      expect(JSON.parse(fetched.stdout).map((problem: { image_id: string; code: string; message: string }) => [problem.image_id, problem.code, problem.message])).toEqual([
        [external.imageIds[0], 'dimensions_mismatch', 'Stored as 0x0, the file is 1000x1000.'],
        [external.imageIds[1], 'missing_file', 'The file gone.jpg cannot be read: Src could not be downloaded: the server answered 404.'],
      ]);
      expect(origin.hits).toEqual(['/ext.jpg', '/gone.jpg']);
    });

    it('--fix dimensions,positions: says what it fixed, the running server answers the fixed rows, a second audit finds neither', async () => {
      const { productId, imageId } = store.planted.dimensions_mismatch;
      const path = `products/${productId}/images/${imageId}`;
      // The server holds the image in its read cache: the fix must reach it through the change feed.
      await untilCaching(api, path);
      expect((await api.call('GET', path)).json().image).toMatchObject({ width: 900, height: 700 });

      const fixed = await prodimg(['audit', '--shop', 'alpha', '--fix', 'dimensions,positions'], env);
      // Other errors remain (missing_alt, missing_file, variant_image_missing).
      expect(fixed.status).toBe(1);
      const rows = fixed.stdout.split('\n');
      expect(rows.filter((row) => row.includes('(fixed)')).map((row) => / (dimensions_mismatch|positions) /.exec(row)?.[1]).sort()).toEqual(['dimensions_mismatch', 'positions']);
      expect(rows.at(-2)).toBe('17 images checked, 3 errors, 5 warnings, 2 fixed');

      const again = JSON.parse((await prodimg(['audit', '--shop', 'alpha', '--json'], env)).stdout) as Array<{ code: string }>;
      expect(again.map((problem) => problem.code).sort()).toEqual(AUDIT_CODES.filter((code) => code !== 'dimensions_mismatch' && code !== 'positions').sort());

      const deadline = Date.now() + WAIT_MS;
      let answered = (await api.call('GET', path)).json().image;
      while (answered.width !== store.measured.width && Date.now() < deadline) answered = (await api.call('GET', path)).json().image;
      expect(answered).toMatchObject(store.measured);
      const gallery = (await api.call('GET', `products/${store.planted.positions.productId}/images`)).json().images;
      expect(gallery.map((image: { position: number }) => image.position)).toEqual([1, 2]);
    });
  });

  describe('a store of 20000 images', () => {
    let dataDir: string;
    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'prodimg-audit-big-'));
      const seeded = await prodimg(['seed', '--images', '20000', '--per-product', '5', '--shop', 'big'], { PRODIMG_DATA_DIR: dataDir });
      expect(seeded.status, seeded.stderr).toBe(0);
    });
    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    it('streams: every image checked, the JSON whole, peak RSS under 200 MiB', async () => {
      const env = { PRODIMG_DATA_DIR: dataDir };
      // The child reports its own peak resident set size (KiB on Linux) as it exits.
      const report = "process.on('exit',()=>process.stderr.write('maxrss '+process.resourceUsage().maxRSS+'\\n'))";
      const res = await prodimg(['audit', '--shop', 'big', '--json'], env, ['--import', `data:text/javascript,${encodeURIComponent(report)}`]);
      expect(res.status).toBe(1);
      const problems = JSON.parse(res.stdout) as Array<{ code: string }>;
      // Seeded images have no alt text and are 800x600 (too small at 800): two problems each.
      expect(problems).toHaveLength(40_000);
      expect(res.stderr).toContain('prodimg audit: 20000 images checked, 20000 errors, 20000 warnings\n');
      const peakMiB = Number(/maxrss (\d+)/.exec(res.stderr)![1]) / 1024;
      expect(peakMiB).toBeLessThan(200);
    });

    it.skipIf(!existsSync('/usr/bin/script'))('on a terminal, shows progress on stderr (script(1) gives it one)', async () => {
      const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} audit --shop big --json`;
      const { DATABASE_URL: _u, ...inherited } = process.env;
      const res = await runProcess('/usr/bin/script', ['-qec', command, '/dev/null'], { ...inherited, PRODIMG_DATA_DIR: dataDir }, 'prodimg audit on a terminal');
      expect(res.status).toBe(1);
      // The first report comes before any product, and is wiped before the first problem is printed.
      expect(res.stdout).toContain('\r\x1b[Kaudit: 0/20000 images\r\x1b[K[');
      expect(res.stdout).toContain('prodimg audit: 20000 images checked');
    });
  });
});
