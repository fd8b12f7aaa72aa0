import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { runProcess } from '../support/run-process.js';
import { BUILT, catalogueFixture, createStores, CLI_BIN, cliEnv, prodimg, summaryOf } from './transfer-cli.js';

describe.skipIf(!BUILT)('prodimg import and export on the command line (needs `npm run build`)', () => {
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
  });
});
