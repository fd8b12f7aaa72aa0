import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WAIT_MS, within } from '../support/waiting.js';

/**
 * docs/testing-your-app.md's examples, run as written: every block after a `<!-- file: <project>/<path> -->`
 * line is that file of an example project, which gets prodimg installed as a dependency (a link to
 * this repository, so its package.json `exports` are what resolve `prodimg` and `prodimg/client`).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOC = readFileSync(join(ROOT, 'docs/testing-your-app.md'), 'utf8');
const FILES = [...DOC.matchAll(/<!-- file: ([\w./-]+) -->\n```\w*\n([\s\S]*?)```/g)].map((m) => ({ path: m[1]!, text: m[2]! }));

/** A child's environment without this vitest's own variables (a nested vitest would take them as its own). */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(VITEST|VITE_|FORCE_COLOR$|TEST_DATABASE_URL$|DATABASE_URL$|PRODIMG_)/.test(name)));
  // Plain output: the assertions read the runners' summaries.
  return { ...env, NODE_ENV: 'test', NO_COLOR: '1', ...extra };
}

function run(file: string, args: string[], cwd: string, env = childEnv()) {
  const res = spawnSync(file, args, { cwd, env, encoding: 'utf8', timeout: WAIT_MS });
  if (res.error) throw res.error;
  return { code: res.status, out: `${res.stdout}${res.stderr}`, stdout: res.stdout };
}

describe("docs/testing-your-app.md's examples, run as written", () => {
  let root: string;
  const project = (name: string) => join(root, name);

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'prodimg-app-examples-'));
    for (const { path, text } of FILES) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    for (const name of new Set(FILES.map(({ path }) => path.split('/')[0]!))) {
      writeFileSync(join(project(name), 'package.json'), JSON.stringify({ name: `example-${name}`, private: true, type: 'module' }));
      mkdirSync(join(project(name), 'node_modules', '.bin'), { recursive: true });
      symlinkSync(ROOT, join(project(name), 'node_modules', 'prodimg'));
      symlinkSync(join(ROOT, 'bin', 'prodimg.js'), join(project(name), 'node_modules', '.bin', 'prodimg'));
    }
    // The vitest project's own dev dependencies: vitest, TypeScript's Node types.
    symlinkSync(join(ROOT, 'node_modules', 'vitest'), join(project('vitest'), 'node_modules', 'vitest'));
    mkdirSync(join(project('vitest'), 'node_modules', '@types'));
    symlinkSync(join(ROOT, 'node_modules', '@types', 'node'), join(project('vitest'), 'node_modules', '@types', 'node'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('has the three example projects', () => {
    expect(FILES.map(({ path }) => path).sort()).toEqual(['any-language/run.sh', 'node-test/test/products.test.mjs', 'vitest/src/alt-text.ts', 'vitest/test/alt-text.test.ts', 'vitest/test/fixtures.json']);
  });

  it('the vitest example type-checks against the installed package', () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const flags = ['--noEmit', '--strict', '--noUncheckedIndexedAccess', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node'];
    const res = run(process.execPath, [tsc, ...flags, 'src/alt-text.ts', 'test/alt-text.test.ts'], project('vitest'));
    expect(res.out).toBe('');
    expect(res.code).toBe(0);
  });

  it('the vitest example passes with `npx vitest run`', () => {
    const res = run(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run'], project('vitest'));
    expect(res.out).toMatch(/Tests\s+4 passed \(4\)/);
    expect(res.code).toBe(0);
  });

  it('the node:test example passes with `node --test test/products.test.mjs`', () => {
    const res = run(process.execPath, ['--test', 'test/products.test.mjs'], project('node-test'));
    expect(res.out).toMatch(/# pass 3\n/);
    expect(res.out).toMatch(/# fail 0\n/);
    expect(res.code).toBe(0);
  });

  it('the shell example: the url from the start-up line, a 503 fault, the journal, a reset, and nothing left behind', async () => {
    const dir = project('any-language');
    copyFileSync(join(project('vitest'), 'test', 'fixtures.json'), join(dir, 'fixtures.json'));
    const tmp = mkdtempSync(join(tmpdir(), 'prodimg-app-examples-tmp-'));
    try {
      const res = run('bash', ['run.sh'], dir, childEnv({ TMPDIR: tmp }));
      expect(res.code, res.out).toBe(0);
      const lines = res.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown);
      expect(lines.slice(0, 3)).toEqual([
        { count: 1 },
        { faults: [{ method: 'GET', path: '/openapi/2022-01/products/count', status: 503, times: 1 }] },
        { errors: ['Service Unavailable: the server is busy, retry shortly'] },
      ]);
      const journal = lines[3] as { requests: Array<{ method: string; path: string; status: number }>; dropped: number };
      expect(journal.requests.map(({ method, path, status }) => [method, path, status])).toEqual([
        ['GET', '/openapi/2022-01/products/count', 200],
        ['GET', '/openapi/2022-01/products/count', 503],
      ]);
      expect(lines[4]).toMatchObject({ reset: true });
      // `kill %1` stops npx; the server under it follows and removes its temporary database.
      await within(untilStopped(join(dir, 'prodimg.log')), 'the stand-in under npx to stop');
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

/** Resolves once the log has the server's last line. */
async function untilStopped(log: string): Promise<void> {
  while (!(existsSync(log) && readFileSync(log, 'utf8').includes('"msg":"stopped"'))) await new Promise((resolve) => setTimeout(resolve, 50));
}
