import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { runProcess } from '../support/run-process.js';
import { catalogueFixture, createStores, CLI_BIN, cliEnv, prodimg, summaryOf } from './transfer-cli.js';

describe('prodimg import and export on the command line', () => {
  const files = catalogueFixture('prodimg-import-cli-');

  // util-linux's `script` gives the command a terminal, as a person at a shell would.
  it.skipIf(!existsSync('/usr/bin/script'))('draws a progress bar with done/total, rate, ETA and failures on a terminal (skipped without util-linux script)', async () => {
    const db = await freshDatabase('sqlite');
    try {
      await createStores(db, ['acme']);
      const input = join(files.dir, 'tty.csv');
      writeFileSync(input, `Handle,Title,Image Src\ncup,Cup,${files.origin.url('/img/90.jpg')}\nbowl,Bowl,http://127.0.0.1:1/none.jpg\n`);
      const command = [process.execPath, CLI_BIN, 'import', input, '--shop', 'acme'].map((word) => `'${word}'`).join(' ');
      const run = await runProcess('/usr/bin/script', ['-qfec', command, '/dev/null'], { ...process.env, ...cliEnv(db), TERM: 'xterm' }, 'prodimg import on a terminal');
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(/prodimg import [█░]+ 2\/2 products \| [\d.]+\/s \| ETA \S+ \| 1 failed/);
    } finally {
      await db.drop();
    }
  });

  describe.each(DIALECTS)('on %s', (dialect) => {
    let db: TestDatabase;
    let env: Record<string, string>;
    beforeAll(async () => {
      db = await freshDatabase(dialect);
      env = cliEnv(db);
      await createStores(db, ['acme']);
    });
    afterAll(() => db?.drop());

    const file = (name: string, text: string) => {
      const path = join(files.dir, `${dialect}-${name}`);
      writeFileSync(path, text);
      return path;
    };

    it.each([
      [['import', '/nowhere/products.csv', '--shop', 'acme'], 'prodimg: no such file: /nowhere/products.csv'],
      [['import', 'FILE:products.txt', '--shop', 'acme'], 'give --format csv or --format jsonl'],
      [['import', 'FILE:products.csv', '--shop', 'acme', '--format', 'xml'], '--format must be csv or jsonl, got "xml"'],
      [['import', 'FILE:products.csv', '--shop', 'acme', '--concurrency', '0'], '--concurrency must be an integer from 1 to 64, got "0"'],
      [['import', 'FILE:products.csv', '--shop', 'nobody'], 'no store "nobody": create it first with prodimg shops create nobody'],
      [['import', 'FILE:broken.csv', '--shop', 'acme'], 'prodimg: cannot read the CSV: '],
      [['import', 'FILE:no-handle.csv', '--shop', 'acme'], 'prodimg: the CSV has no Handle column'],
      [['export', '--shop', 'acme'], 'give --format csv or --format jsonl'],
      [['export', '--shop', 'nobody', '--format', 'csv'], 'no store "nobody"'],
    ])('refuses %j in one line, with exit code 2', async (args, message) => {
      const inputs: Record<string, string> = {
        'products.txt': 'Handle\n',
        'products.csv': 'Handle,Title\na,A\n',
        'broken.csv': 'Handle,Title\na,"A\n',
        'no-handle.csv': 'Title\nA\n',
      };
      const resolved = args.map((arg) => (arg.startsWith('FILE:') ? file(arg.slice(5), inputs[arg.slice(5)]!) : arg));
      const run = await prodimg(resolved, env);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    });

    it('shows progress as plain lines when stderr is no terminal, writes the report where --report says, and exits 0 when nothing failed', async () => {
      const input = file('good.csv', `Handle,Title,Image Src\nmug,Mug,${files.origin.url('/img/77.jpg')}\nmug,,${files.origin.url('/img/78.jpg')}\n`);
      const report = join(files.dir, `${dialect}-elsewhere.csv`);
      const run = await prodimg(['import', input, '--shop', 'acme', '--report', report], env);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/^prodimg import: 1\/1 products, 0 failed, [\d.]+\/s/m);
      expect(summaryOf(run)).toMatchObject({ products: 1, created: 1, failed: 0, failed_rows: 0, report });
      expect(readFileSync(report, 'utf8')).toBe('line,handle,reason\n');
      const quiet = await prodimg(['export', '--shop', 'acme', '--format', 'jsonl', '--quiet'], env);
      expect(quiet.stderr).toBe('');
      expect(JSON.parse(quiet.stdout)).toMatchObject({ handle: 'mug', title: 'Mug', images: [{ position: 1 }, { position: 2 }] });
    });
    it('an export without PRODIMG_PUBLIC_URL says on stderr where its image srcs point, and what to set; with it, nothing', async () => {
      const unset = await prodimg(['export', '--shop', 'acme', '--format', 'jsonl'], env);
      expect(unset.status).toBe(0);
      expect(unset.stderr).toContain('prodimg export: 1 product, 2 images\n');
      expect(unset.stderr).toContain(
        'prodimg export: PRODIMG_PUBLIC_URL is not set, so image srcs point at //localhost:8080/cdn; set it to where clients reach the server (like https://prodimg.example.com) and export again\n',
      );
      const set = await prodimg(['export', '--shop', 'acme', '--format', 'jsonl'], { ...env, PRODIMG_PUBLIC_URL: 'https://prodimg.example.com' });
      expect(set.stderr).toContain('prodimg export: 1 product, 2 images\n');
      expect(set.stderr).not.toContain('PRODIMG_PUBLIC_URL');
      expect(JSON.parse(set.stdout)).toMatchObject({ images: [{ src: expect.stringMatching(/^\/\/prodimg\.example\.com\/cdn\//) }, {}] });
    });

    it('a JSON Lines row nested 100,000 deep fails alone: the good rows are imported, exit code 1, "1 row failed"', async () => {
      const deep = `{"handle":"deep","title":"Deep","tags":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
      const input = file('deep.jsonl', `{"handle":"first","title":"First"}\n${deep}\n{"handle":"last","title":"Last"}\n`);
      const run = await prodimg(['import', input, '--shop', 'acme'], env);
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/^prodimg import: 1 row failed; see .*deep\.jsonl\.report\.csv$/m);
      expect(summaryOf(run)).toMatchObject({ products: 3, created: 2, failed: 1, failed_rows: 1 });
      expect(readFileSync(`${input}.report.csv`, 'utf8')).toBe('line,handle,reason\n2,,nested deeper than 64 levels: a product is a few levels deep\n');
    });

    it('writes the report with what a spreadsheet would run quoted, ending with a newline; "2 rows failed"', async () => {
      const input = file('formulas.csv', 'Handle,Title,Published\n@evil,Evil,maybe\n-minus,Minus,perhaps\n');
      const run = await prodimg(['import', input, '--shop', 'acme'], env);
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/^prodimg import: 2 rows failed; see /m);
      expect(readFileSync(`${input}.report.csv`, 'utf8')).toBe(
        `line,handle,reason\n2,'@evil,"Published must be TRUE or FALSE, got ""maybe"""\n3,'-minus,"Published must be TRUE or FALSE, got ""perhaps"""\n`,
      );
    });
  });
});
