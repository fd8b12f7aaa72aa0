import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WAIT_MS } from '../support/waiting.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Module hooks that write every URL Node loads, one a line, to the file named in their data. */
const HOOKS = `
import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function load(url, context, nextLoad) {
  appendFileSync(log, url + '\\n');
  return nextLoad(url, context);
}
`;
const REGISTER = `
import { register } from 'node:module';
register('./hooks.mjs', import.meta.url, { data: { log: process.env.LOADED_LOG } });
`;
/** What a user of the package writes; prints what it got, so the test sees it ran to the end. */
const USER = `
import { ApiError, createClient } from 'prodimg/client';
const client = createClient({ shop: 'store123', token: 'secret' });
console.log(JSON.stringify({ resources: Object.keys(client), error: typeof ApiError }));
`;

describe('the package exports', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };

  it('name ./client (with its declarations), the main entry and package.json', () => {
    expect(pkg.exports).toEqual({
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
      './client': { types: './dist/client/index.d.ts', default: './dist/client/index.js' },
      './package.json': './package.json',
    });
  });

  it('the client imports nothing outside src/client at run time (type-only imports of the contract)', () => {
    const dir = join(ROOT, 'src/client');
    const outside: string[] = [];
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    expect(files).toContain('index.ts');
    expect(files).toContain('generated/routes.ts');
    for (const file of files) {
      const source = readFileSync(join(dir, file), 'utf8');
      for (const m of source.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)) {
        if (!m[2] && !m[3]!.startsWith('./')) outside.push(`${file}: ${m[0].split('\n')[0]}`);
      }
    }
    expect(outside).toEqual([]);
  });
});

describe("`import 'prodimg/client'` in an app", () => {
  let app: string;
  beforeAll(() => {
    app = mkdtempSync(join(tmpdir(), 'prodimg-client-'));
    mkdirSync(join(app, 'node_modules'));
    // As npm links a local package: the app resolves prodimg through node_modules, by its exports.
    symlinkSync(ROOT, join(app, 'node_modules/prodimg'), 'dir');
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    writeFileSync(join(app, 'hooks.mjs'), HOOKS);
    writeFileSync(join(app, 'register.mjs'), REGISTER);
    writeFileSync(join(app, 'main.mjs'), USER);
  });
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  it('loads only the files of dist/client: none of the server, storage or imaging, nor fastify, better-sqlite3, sharp, pg, kysely, pino, ioredis, undici', () => {
    const log = join(app, 'loaded.txt');
    writeFileSync(log, '');
    const res = spawnSync(process.execPath, ['--import', './register.mjs', 'main.mjs'], { cwd: app, encoding: 'utf8', timeout: WAIT_MS, env: { ...process.env, LOADED_LOG: log } });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ resources: ['images', 'products', 'variants'], error: 'function' });

    const loaded = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    const main = pathToFileURL(join(app, 'main.mjs')).href;
    const client = pathToFileURL(join(ROOT, 'dist/client/')).href;
    expect(loaded).toContain(main);
    expect(loaded).toContain(`${client}index.js`);
    // Not even a Node built-in: fetch, URLSearchParams and timers are globals.
    expect(loaded.filter((url) => url !== main && !url.startsWith(client))).toEqual([]);
    const forbidden = /fastify|better-sqlite3|sharp|\/pg\/|kysely|pino|ioredis|undici|dist\/(server|storage|imaging)\//;
    expect(loaded.filter((url) => forbidden.test(url))).toEqual([]);
  });
});
