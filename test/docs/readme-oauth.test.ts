import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, type ServeProcess, startServe } from '../reliability/support-server.js';
import { within } from '../support/waiting.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const HEADING = '## Installing an app through OAuth';

describe("the README's OAuth install, run as written against a real server (PRODIMG_OAUTH_AUTO_APPROVE=1)", () => {
  let dataDir: string;
  let server: ServeProcess;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'prodimg-readme-oauth-'));
    server = await startServe(cliEnv({ dataDir, extra: { PRODIMG_OAUTH_AUTO_APPROVE: '1' } }));
  });
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('installs the app, calls the API with the issued token, and uninstalls it', async () => {
    const section = README.slice(README.indexOf(HEADING));
    const script = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
    expect(script).toContain('http://127.0.0.1:8080/');
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script.replaceAll('http://127.0.0.1:8080', server.base)], { cwd: ROOT, env: cliEnv({ dataDir }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await within(new Promise<number | null>((resolve) => child.once('close', resolve)), 'the README OAuth block to finish');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // The answer its comment promises, then the uninstall's report.
    const promised = /# (\{"access_scopes".*\})$/m.exec(script)![1]!;
    expect(stdout).toContain(promised);
    expect(stdout).toContain('"revoked_tokens": 1');
  });
});
