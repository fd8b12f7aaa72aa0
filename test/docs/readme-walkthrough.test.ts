import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { cliEnv, type ServeProcess, startServe } from '../reliability/support-server.js';
import { answerPattern, jsonDocuments } from '../support/doc-examples.js';
import { within } from '../support/waiting.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The first ```sh block after a heading. */
function shellBlock(heading: string): string {
  const section = README.slice(README.indexOf(heading));
  const match = /```sh\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error(`no sh block under ${heading}`);
  return match[1]!;
}

/** The answers the walkthrough's comments promise (`# 401 {"errors":[...]}`, `# {"images":[...]} ordered by position`). */
function promisedAnswers(script: string): string[] {
  return [...script.matchAll(/#[ \t]+(?:\d{3}[ \t]+)?(\{.*\})(?:[ \t][^}]*)?$/gm)].map((m) => m[1]!);
}

function bash(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return within(new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr }))), 'the README walkthrough to finish');
}

describe("the README's one-minute walkthrough, run as written against a real server (ingestion off)", () => {
  let dataDir: string;
  let server: ServeProcess;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'prodimg-readme-'));
    server = await startServe(cliEnv({ dataDir }));
  });
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs every command with exit 0 and prints every answer its comments promise', async () => {
    const script = shellBlock('## One-minute walkthrough');
    expect(script).toContain('http://127.0.0.1:8080/');
    // The one change: the port the test server got instead of 8080.
    const res = await bash(script.replaceAll('http://127.0.0.1:8080', server.base), cliEnv({ dataDir }));
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const promised = promisedAnswers(script);
    expect(promised).toEqual([
      '{"images":[...]}',
      '{"count":2}',
      '{"image":{...}}',
      '{}',
      '{"errors":["Unauthorized"]}',
      '{"errors":["ProductId must be a valid UUID","ImageId must be a valid UUID"]}',
      '{"error":"store is not active"}',
    ]);
    // Each promised answer is one of the documents printed, in order (`...` matching anything, answers.test.ts's rule).
    const printed = jsonDocuments(res.stdout);
    let next = 0;
    for (const answer of promised) {
      const at = printed.findIndex((document, i) => i >= next && answerPattern(answer).test(document));
      expect(at, `${answer} in the walkthrough's output, in order:\n${res.stdout}`).toBeGreaterThanOrEqual(0);
      next = at + 1;
    }
    // "{"images":[...]} ordered by position": the image added at position 1 comes first.
    const images = JSON.parse(printed.find((document) => document.startsWith('{"images":'))!).images;
    expect(images.map((image: { position: number; alt: string }) => [image.position, image.alt])).toEqual([
      [1, 'Back'],
      [2, ''],
    ]);
    // "sleep 1   # a server trusts a checked token for PRODIMG_AUTH_CACHE_MS (1000 ms)": the default it waits out.
    const waited = /sleep (\d+)\s+# .*PRODIMG_AUTH_CACHE_MS \((\d+) ms\)/.exec(script)!;
    expect(Number(waited[2])).toBe(loadConfig({}).authCacheMs);
    expect(Number(waited[1]) * 1000).toBeGreaterThanOrEqual(Number(waited[2]));
    // The statuses the comments give (`# 401 {...}`), the others 200: one request log line per curl, in order.
    const statuses = script
      .split('\n')
      .filter((line) => /\bcurl\b/.test(line))
      .map((line) => Number(/#[ \t]+(\d{3})[ \t]/.exec(line)?.[1] ?? 200));
    expect(statuses.filter((status) => status !== 200)).toEqual([401, 422, 401]);
    await server.waitForLog('request', statuses.length); // a line is written just after its answer is sent
    expect(server.logs.filter((entry) => entry.msg === 'request').map((entry) => entry.status)).toEqual(statuses);
  });
});
