import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, startServe } from '../reliability/support-server.js';
import { within } from '../support/waiting.js';
import { hmacMatches } from '../../src/domain/oauth-hmac.js';
import { DOC_FILES } from '../support/doc-examples.js';
import { runProcess } from '../support/run-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Usage {
  /** The line in the README. */
  line: string;
  /** Its words, `[...]` options included, placeholders (`<sub>`, `N`) still in. */
  words: string[];
  /** What the README says it does, after the usage. */
  says: string;
}

/** Shell-like words: `--name "Store"` is two, brackets dropped (optional parts are run too). */
function words(usage: string): string[] {
  return [...usage.replace(/[[\]]/g, ' ').matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** The command block under "## The `prodimg` command": one Usage per alternative (`list | activate <sub>`). */
function usages(): Usage[] {
  const section = README.slice(README.indexOf('## The `prodimg` command'));
  const block = /```\n([\s\S]*?)```/.exec(section)![1]!;
  const result: Usage[] = [];
  for (const line of block.split('\n').filter(Boolean)) {
    expect(line).toMatch(/^prodimg /);
    const [usage, says = ''] = line.split(/ {2,}/);
    const [first, ...others] = usage!.split(' | ');
    const head = words(first!);
    result.push({ line, words: head.slice(1), says });
    // `shops list | activate <sub>`: the others belong to the same command group.
    for (const other of others) result.push({ line, words: [head[1]!, ...words(other)], says });
  }
  return result;
}

describe("the README's `prodimg` command block, every line run by the real CLI", () => {
  let dataDir: string;
  const env = () => cliEnv({ dataDir });
  const run = (args: string[]) => runProcess(process.execPath, [BIN, ...args], env(), `prodimg ${args.join(' ')}`);
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'prodimg-commands-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('runs each usage, options included, with exit 0 and the output it describes', async () => {
    const all = usages();
    expect(all.map((usage) => usage.words.filter((word) => !word.startsWith('-') && !/^[<A-Z0-9"]/.test(word)).slice(0, 2).join(' '))).toEqual([
      'serve',
      'serve',
      'shops create',
      'shops list',
      'shops activate',
      'shops deactivate',
      'shops delete',
      'shops webhook-secret',
      'tokens create',
      'tokens list',
      'tokens revoke',
      'apps create',
      'apps list',
      'apps delete',
      'apps install-url',
      'apps uninstall',
      'webhooks deliveries',
      'webhooks redeliver',
      'webhooks trigger',
      'admin-key create',
      'admin-key list',
      'admin-key revoke',
      'gc',
      'blobs migrate',
      'audit dimensions,positions',
      'import csv',
      'export csv',
      'backup',
      'restore',
      'mirror',
      'seed',
      'openapi',
      '',
    ]);
    const seedFile = join(dataDir, 'fixtures.json');
    // `import <file>`: a spreadsheet of one product (no image, so nothing is downloaded); export writes it back.
    const importFile = join(dataDir, 'products.csv');
    writeFileSync(importFile, 'Handle,Title,Vendor\nreadme-mug,Mug,Acme\n');
    const exportFile = join(dataDir, 'export.csv');
    const archive = join(dataDir, 'readme-backup.tar');
    writeFileSync(seedFile, JSON.stringify({ shops: [{ subdomain: 'seeded', tokens: [{ token: 'readme-token' }], products: [{ title: 'Seeded' }] }] }));
    // A store of its own for `shops delete`, so that the lines after it still have theirs.
    expect((await run(['shops', 'create', 'doomed'])).status).toBe(0);
    let tokenId = '';
    let token = '';
    let adminKeyId = '';
    let adminKey = '';
    let clientId = '';
    let clientSecret = '';
    const serve = async (args: string[]) => {
      // The one change: port 0 instead of 8080, which may be taken on this machine.
      const port = args.indexOf('--port');
      expect(port).toBeGreaterThan(0);
      args.splice(port, 2);
      // Stand-in mode starts from its seed on a fresh temporary database: the environment names none.
      const standIn = args.includes('--seed');
      const { PRODIMG_DATA_DIR: _d, DATABASE_URL: _u, ...bare } = env();
      const server = await startServe(standIn ? bare : env(), args.slice(1));
      try {
        expect((await fetch(`${server.base}/healthz`)).status).toBe(200);
        // "one JSON log line per request"
        await server.waitForLog('request');
        expect(server.logs.find((entry) => entry.msg === 'request')).toMatchObject({ url: '/healthz', status: 200 });
        if (standIn) {
          // "a fresh database seeded from the file, /__prodimg/reset, /requests, /faults"
          const count = () => fetch(`${server.base}/openapi/2022-01/products/count`, { headers: { 'Access-Token': 'readme-token' } }).then((res) => res.json());
          expect(await count()).toEqual({ count: 1 });
          expect((await fetch(`${server.base}/__prodimg/faults`)).status).toBe(200);
          expect((await fetch(`${server.base}/__prodimg/requests`)).status).toBe(200);
          expect((await fetch(`${server.base}/__prodimg/reset`, { method: 'POST' })).status).toBe(200);
        }
        server.child.kill('SIGTERM');
        expect(await within(server.exited, 'serve to exit after SIGTERM')).toEqual({ code: 0, signal: null });
      } finally {
        server.kill();
      }
    };
    /**
     * Lines run elsewhere as written, with what they need first: a subscription and a delivery
     * (test/cli/webhooks.test.ts, against a real listener), a live store to copy (test/transfer/mirror.test.ts,
     * a second prodimg process as the source), a library of images to move (test/cli/blobs-migrate.test.ts).
     */
    const ELSEWHERE: Record<string, string> = {
      'webhooks redeliver': 'test/cli/webhooks.test.ts',
      'webhooks trigger': 'test/cli/webhooks.test.ts',
      'mirror --from': 'test/transfer/mirror.test.ts',
      'blobs migrate': 'test/cli/blobs-migrate.test.ts',
    };
    /** `audit --product <product-id>`: a product of store docs, with no images (test/cli/audit.test.ts audits a store of problems). */
    const productOfDocs = async () => {
      const [{ openDatabase }, { createRepositories }] = await Promise.all([import('../../src/storage/database.js'), import('../../src/storage/repositories.js')]);
      const database = await openDatabase({ databaseUrl: undefined, dataDir });
      try {
        const repos = createRepositories(database);
        const shop = await repos.shops.find('docs');
        const product = { title: 'Audited', description: '', vendor: '', tags: '', published: true, images: [] };
        return (await repos.products.create(shop!.id, product, '2024-04-08T07:13:28Z')).id;
      } finally {
        await database.close();
      }
    };
    const runUsage = async (usage: Usage) => {
      const [command, sub] = usage.words;
      const elsewhere = ELSEWHERE[`${command} ${sub}`];
      if (elsewhere) {
        const suite = readFileSync(join(ROOT, elsewhere), 'utf8');
        expect(suite).toContain(`'${command}', '${sub}'`);
        // Each of the line's options is used there.
        expect(usage.words.filter((word) => word.startsWith('--') && !suite.includes(`'${word}'`))).toEqual([]);
        return;
      }
      const productId = command === 'audit' ? await productOfDocs() : '';
      const args = usage.words.map((word) =>
        word === '<subdomain>' || word === '<sub>'
          ? command === 'shops' && sub === 'delete'
            ? 'doomed'
            : 'docs'
          : word === '<id>'
            ? command === 'admin-key'
              ? adminKeyId
              : tokenId
            : word === '<client-id>'
              ? clientId
              : word === 'N'
                ? '3'
                : word === '<file>'
                  ? command === 'import'
                    ? importFile
                    : seedFile
                : word === '<report>'
                  ? join(dataDir, 'products.report.csv')
                : word === '<out>'
                  ? exportFile
                : word === '<archive>'
                  ? archive
                : word === 'URL'
                  ? 'https://app.example/oauth'
                : word === '<product-id>'
                  ? productId
                  : word,
      );
      expect(args.filter((word) => /^<.*>$/.test(word)), usage.line).toEqual([]);
      if (command === 'serve') return serve(args);
      // An unknown option or a missing argument is exit code 2 (commander), so exit 0 means the line is accepted as written.
      const res = await run(args);
      expect({ line: usage.line, args, code: res.status, stderr: res.stderr }).toMatchObject({ code: 0 });
      const out = res.stdout.trim();
      if (command === '--version') expect(out).toBe(VERSION);
      else if (command === 'tokens' && sub === 'create') {
        // "prints its public id, then the token"
        const lines = out.split('\n');
        token = lines.at(-1)!;
        expect(token).toMatch(/^[0-9a-f]{64}$/);
        tokenId = /access token (\S+) /.exec(lines[0]!)![1]!;
      } else if (command === 'admin-key' && sub === 'create') {
        // "prints its public id, then the key (shown once)"
        const lines = out.split('\n');
        adminKey = lines.at(-1)!;
        expect(adminKey).toMatch(/^pia_[0-9a-f]{64}$/);
        adminKeyId = /admin key (\S+) /.exec(lines[0]!)![1]!;
      } else if (command === 'admin-key' && sub === 'list') {
        // "keys by public id (the key itself is never shown again)"
        expect(JSON.parse(out).map((entry: { id: string }) => entry.id)).toContain(adminKeyId);
        expect(out).not.toContain(adminKey);
      } else if (command === 'tokens' && sub === 'list') {
        // "tokens by public id (the token itself is never shown again)"
        expect(JSON.parse(out).map((entry: { id: string }) => entry.id)).toContain(tokenId);
        expect(out).not.toContain(token);
      } else if (command === 'apps' && sub === 'create') {
        // "print it as JSON with its client_secret"
        ({ client_id: clientId, client_secret: clientSecret } = JSON.parse(out.split('\n').at(-1)!));
        expect(clientSecret).toMatch(/^[0-9a-f]{64}$/);
      } else if (command === 'apps' && sub === 'list') {
        expect(out).not.toContain(clientSecret);
      } else if (command === 'apps' && sub === 'install-url') {
        // "the signed call that starts an install at the app's URL"
        const url = new URL(out);
        expect(`${url.origin}${url.pathname}`).toBe('https://app.example/oauth');
        expect(hmacMatches(clientSecret, Object.fromEntries(url.searchParams))).toBe(true);
      } else if (command === 'shops' && sub === 'webhook-secret') {
        // "the secret signing the store's webhooks (made on first use)"
        expect(out).toMatch(/\S{20,}/);
      } else if (command === 'audit') {
        // "a table, or a JSON array with --json; exit code 1 for any error": a product with nothing wrong.
        expect(JSON.parse(out)).toEqual([]);
        expect(res.stderr).toBe('prodimg audit: 0 images checked, 0 errors, 0 warnings\n');
      } else if (command === 'import') {
        // "prints a JSON summary"
        expect(JSON.parse(out)).toMatchObject({ products: 1, created: 1, failed: 0 });
        expect(readFileSync(join(dataDir, 'products.report.csv'), 'utf8')).toBe('line,handle,reason\n');
      } else if (command === 'export') {
        // "in the layout import reads": the product imported above.
        const exported = readFileSync(exportFile, 'utf8');
        expect(exported.startsWith('Handle,Title,')).toBe(true);
        expect(exported).toContain('\nreadme-mug,Mug,,Acme,');
      } else if (command === 'backup') {
        // "the database (SQLite), image files and secret.key in one tar"; --quiet: no progress lines.
        expect(out).toMatch(new RegExp(`^prodimg backup: wrote ${archive} \\(\\d+ bytes\\): the database, \\d+ stores?, `));
        expect(res.stderr).toBe('');
      } else if (command === 'restore') {
        // "into PRODIMG_DATA_DIR (refused if it has stores, unless --force), then migrated": this one has stores, and --force.
        expect(out).toMatch(new RegExp(`^prodimg restore: restored \\d+ stores, \\d+ products, \\d+ images, \\d+ files from ${archive}$`));
        expect(res.stderr).toBe('');
      } else if (command === 'seed') {
        // "prints targets as JSON" (on the last line)
        expect(JSON.parse(out.split('\n').at(-1)!)).toMatchObject({ images: 3 });
      } else {
        // "print it as JSON", and so do the others
        expect(() => JSON.parse(out), `${usage.line}: ${out}`).not.toThrow();
      }
    };
    // In steps, each step's lines at once (each is a process of its own): the store, then what needs
    // only the store (a token among them), then the token's list, then its revocation, then a backup
    // of it all, then its restore.
    const step = (usage: Usage) => {
      const path = usage.words.slice(0, 2).join(' ');
      // The backup once the others have written, then its restore into this same data directory, alone.
      if (usage.words[0] === 'backup') return 4;
      if (usage.words[0] === 'restore') return 5;
      if (path === 'shops create') return 0;
      if (path === 'tokens list' || path === 'export --shop' || path === 'admin-key list' || path === 'apps list' || path === 'apps install-url' || path === 'apps uninstall') return 2;
      return path === 'tokens revoke' || path === 'admin-key revoke' || path === 'apps delete' ? 3 : 1;
    };
    for (const at of [0, 1, 2, 3, 4, 5]) await Promise.all(all.filter((usage) => step(usage) === at).map(runUsage));
    expect(tokenId).not.toBe('');
    expect(adminKeyId).not.toBe('');
    expect(clientId).not.toBe('');
  });
});

describe('other commands the docs give', () => {
  const docs = DOC_FILES;
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

  it('every `npm start`, `npm test` and `npm run <script>` names a script of package.json', () => {
    const named = new Set<string>();
    for (const doc of docs) {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      for (const m of text.matchAll(/\bnpm (start|test)\b/g)) named.add(m[1]!);
      for (const m of text.matchAll(/\bnpm run ([\w:-]*\w)/g)) named.add(m[1]!);
    }
    expect([...named].sort()).toEqual(['bench', 'build', 'screenshots', 'start', 'test', 'test:pg-restart', 'test:stress']);
    expect([...named].filter((name) => !(name in scripts))).toEqual([]);
    // "`npm start` is `prodimg serve`" (test/cli/lifecycle.test.ts runs it and stops it).
    expect(README).toContain('`npm start` is `prodimg serve`');
    expect(scripts.start).toBe('exec node bin/prodimg.js serve');
    // `npm run test:stress` and the bounded-bursts command set PRODIMG_STRESS=1, which the suites read.
    expect(scripts['test:stress']).toContain('PRODIMG_STRESS=1');
    // `npm run screenshots` writes docs/images/ (test/support/screenshots.ts reads PRODIMG_SCREENSHOTS=1).
    expect(scripts.screenshots).toContain('PRODIMG_SCREENSHOTS=1');
  });

  it('every `prodimg ...` the docs mention in passing (`prodimg gc [--dry-run]`, `serve --workers 2`) is a usage of the command block, which is run above', () => {
    const block = usages();
    const found: string[] = [];
    const unknown: string[] = [];
    for (const doc of docs) {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      for (const m of text.matchAll(/`(?:(?:npx |node bin\/)?prodimg(?:\.js)? |(?=serve ))([^`]*)`/g)) {
        const said = words(m[1]!).filter((word) => word !== '...');
        const path = said.filter((word, i) => i < 2 && /^[a-z]/.test(word));
        const options = said.filter((word) => word.startsWith('--') && word !== '--help');
        found.push(m[0]);
        if (path.length === 0) continue; // `prodimg --help`
        const usage = block.find((u) => path.every((word, i) => u.words[i] === word) && options.every((option) => u.words.includes(option)));
        if (!usage) unknown.push(`${doc}: ${m[0]}`);
      }
    }
    expect(found.length).toBeGreaterThan(10);
    expect(unknown).toEqual([]);
  });

  it('the packed file the README installs is this version (`npm install ./prodimg-<version>.tgz`)', () => {
    expect(README).toContain(`npm install ./prodimg-${VERSION}.tgz`);
  });

  it('every `npx vitest run <file>` names a test file that exists and reads the variables set before it', () => {
    const found: string[] = [];
    for (const doc of docs) {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      for (const m of text.matchAll(/((?:[A-Z_]+=\S+ )*)npx vitest run (test\/\S+\.test\.ts)/g)) {
        found.push(m[2]!);
        const source = readFileSync(join(ROOT, m[2]!), 'utf8');
        for (const setting of m[1]!.trim().split(/\s+/).filter(Boolean)) {
          const name = setting.split('=')[0]!;
          const read = source.includes(name) || readFileSync(join(ROOT, 'test/support/stress.ts'), 'utf8').includes(name);
          expect(read, `${m[2]} reads ${name}`).toBe(true);
        }
      }
    }
    expect(found.length).toBeGreaterThan(0);
  });

  it("every bench command of bench/README.md is accepted by bench/run.mjs (stopped before any work by an unknown scenario)", async () => {
    const block = /```sh\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, 'bench/README.md'), 'utf8'))![1]!;
    const lines = block.split('\n').filter((line) => /npm run bench/.test(line));
    expect(lines.length).toBeGreaterThanOrEqual(5);
    const DEFAULT_PG_URL = /export const DEFAULT_PG_URL = '([^']+)'/.exec(readFileSync(join(ROOT, 'bench/lib/postgres.mjs'), 'utf8'))?.[1];
    await Promise.all(
      lines.map(async (line) => {
        const [, vars = '', after = '', comment = ''] = /^((?:[A-Z_]+=\S+ )*)npm run bench(?: -- ([^#]*?))?\s*(?:#(.*))?$/.exec(line)!;
        const env = { ...process.env, ...Object.fromEntries(vars.trim().split(/\s+/).filter(Boolean).map((pair) => pair.split('=', 2) as [string, string])) };
        const args = after.split(/\s+/).filter(Boolean);
        // "# or --pg-url; default postgres://...": the flag named in the comment, and the default it gives.
        const alternative = /or (--[\w-]+)/.exec(comment)?.[1];
        if (alternative) args.push(alternative, 'postgres://user@127.0.0.1:5432/db');
        const stated = /default (postgres:\/\/\S+)/.exec(comment)?.[1];
        if (stated) expect(stated).toBe(DEFAULT_PG_URL);
        // `--only 99` (or `,99` after the line's own list) makes run.mjs stop after reading its flags, before it builds or starts anything.
        const only = args.indexOf('--only');
        if (only >= 0) args[only + 1] += ',99';
        else args.push('--only', '99');
        const res = await within(
          new Promise<{ code: number | null; stderr: string }>((resolve) => {
            const child = spawn(process.execPath, ['bench/run.mjs', ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
            let stderr = '';
            child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
            child.once('close', (code) => resolve({ code, stderr }));
          }),
          `bench/run.mjs ${args.join(' ')}`,
        );
        expect({ line, code: res.code, stderr: res.stderr.split(';')[0] }).toEqual({ line, code: 2, stderr: 'bench: unknown scenario 99' });
      }),
    );
  });

  // Not run here, with the reason:
  // - `docker build -f deploy/Dockerfile ...` / `docker run ...`: there is no docker on this machine (nor in CI).
  //   test/cli/deploy.test.ts assembles the run stage from its COPY lines and runs its CMD and HEALTHCHECK with its ENV instead.
  // - `cp deploy/prodimg.service /etc/systemd/system/ && systemctl ...`: needs root and systemd.
  //   test/cli/package.test.ts runs the unit's ExecStart with its Environment= lines on the documented install instead.
  // - `npm install && npm start`, `npm test`, `npm run test:stress`, `npm run test:pg-restart`, `npm run screenshots`, and the bench
  //   itself: each takes minutes or restarts the machine's PostgreSQL; the scripts and the bench's flags are checked above, and
  //   test/cli/lifecycle.test.ts and test/cli/package.test.ts run `npm start` and the packed `npx prodimg serve`.
  // - `LD_PRELOAD=libjemalloc.so.2 MALLOC_ARENA_MAX=2 npm start`: the variables are read by the dynamic linker and
  //   glibc, not by prodimg; test/cli/deploy.test.ts and package.test.ts check that the deploy files' servers run on jemalloc.
  // - `npm install --omit=dev ./prodimg-<version>.tgz`: test/cli/package.test.ts runs it in a temporary folder.
  // - The blocks of "Images in S3-compatible storage" and "Several servers": test/deploy/readme-production.test.ts
  //   runs each of their lines against the run's Ceph gateway, PostgreSQL and Redis (it needs all three).
});
