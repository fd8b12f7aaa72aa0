import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT, cliEnv, type ServeProcess, startServe } from '../reliability/support-server.js';
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

/** The answers the walkthrough's comments promise in full (`# 401 {"errors":[...]}`), without the `...` ones. */
function promisedAnswers(script: string): string[] {
  return [...script.matchAll(/#\s+(?:\d{3}\s+)?(\{.*\})\s*$/gm)].map((m) => m[1]!).filter((answer) => !answer.includes('...'));
}

function bash(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return within(new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr }))), 'the README walkthrough to finish');
}

describe.skipIf(!BUILT)("the README's one-minute walkthrough, run as written against a real server (ingestion off)", () => {
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
      '{"count":2}',
      '{}',
      '{"errors":["Unauthorized"]}',
      '{"errors":["ProductId must be a valid UUID","ImageId must be a valid UUID"]}',
      '{"error":"store is not active"}',
    ]);
    let rest = res.stdout;
    for (const answer of promised) {
      const at = rest.indexOf(answer);
      expect(at, `${answer} in the walkthrough's output, in order:\n${res.stdout}`).toBeGreaterThanOrEqual(0);
      rest = rest.slice(at + answer.length);
    }
    expect(server.logs.filter((entry) => (entry.status ?? 0) >= 500)).toEqual([]);
  });
});
