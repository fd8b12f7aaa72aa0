import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from '../support/api.js';
import { within } from '../support/waiting.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOC = readFileSync(join(ROOT, 'docs/client.md'), 'utf8');
/** The doc's TypeScript blocks, in order: one program. */
const PROGRAM = [...DOC.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]!).join('\n');
/** What each `console.log(...); // → <text>` says it prints, in order. */
const PRINTED = [...PROGRAM.matchAll(/\/\/ → (.*)$/gm)].map((m) => m[1]!);
const EXAMPLE_ADDRESS = "baseUrl: 'http://127.0.0.1:8080'";

/**
 * docs/client.md's examples, as an app that installed prodimg writes them: type-checked against the
 * package's declarations with the compiler's strict options, then run against a real server (SQLite,
 * ingestion off as the doc says), printing what its comments say.
 */
describe('the examples of docs/client.md', () => {
  let api: TestApi;
  let app: string;
  beforeAll(async () => {
    api = await startApi('sqlite');
    app = mkdtempSync(join(tmpdir(), 'prodimg-client-doc-'));
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(ROOT, join(app, 'node_modules/prodimg'), 'dir');
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    writeFileSync(join(app, 'example.ts'), PROGRAM);
  });
  afterAll(async () => {
    await api?.close();
    rmSync(app, { recursive: true, force: true });
  });

  it('are one program that says what it prints', () => {
    expect(PROGRAM).toContain("from 'prodimg/client'");
    expect(PRINTED.length).toBeGreaterThan(8);
    expect(PROGRAM.split(EXAMPLE_ADDRESS).length - 1).toBe(2);
  });

  it('type-check against the installed package', () => {
    const program = ts.createProgram([join(app, 'example.ts')], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules/@types')],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
  });

  it('run against a real server and print what the comments say', async () => {
    const js = ts.transpileModule(PROGRAM.replaceAll(EXAMPLE_ADDRESS, `baseUrl: '${api.base}'`), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(join(app, 'example.mjs'), js);
    const child = spawn(process.execPath, ['example.mjs'], { cwd: app, env: { ...process.env, ACCESS_TOKEN: api.token }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await within(new Promise<number | null>((resolve) => child.once('close', resolve)), 'the example to end');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.trimEnd().split('\n')).toEqual(PRINTED);
  });
});
