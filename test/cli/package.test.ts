import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, startServe } from '../reliability/support-server.js';
import { ENVIRONMENT, expectDeployedServer, serveArgs, unitCommand } from '../support/deploy-files.js';
import { WAIT_MS, within } from '../support/waiting.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The production dependencies as installed here (package-lock.json's entries that are not dev-only
 * and are on disk): copied into the fresh folder, so `npm install <tarball> --offline` finds every
 * dependency already there and needs neither the registry nor a native build.
 */
function copyProductionDependencies(into: string): void {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  for (const [path, entry] of Object.entries(lock.packages)) {
    const topLevel = /^node_modules\/(?:@[^/]+\/)?[^/]+$/.test(path);
    if (!topLevel || entry.dev || !existsSync(join(ROOT, path))) continue;
    cpSync(join(ROOT, path), join(into, path), { recursive: true, verbatimSymlinks: true });
  }
}

function npm(cwd: string, ...args: string[]): string {
  const res = spawnSync('npm', [...args, '--no-audit', '--no-fund'], { cwd, encoding: 'utf8', timeout: WAIT_MS });
  if (res.error || res.status !== 0) throw new Error(`npm ${args.join(' ')}: ${res.error?.message ?? `exit ${res.status}`}\n${res.stderr}`);
  return res.stdout;
}

// Regression: without a `files` field npm packed by .gitignore, which leaves out dist/: an install
// of the tarball answered every command with "not built yet".
// The install deploy/prodimg.service describes: `npm install --omit=dev ./prodimg-<version>.tgz` in an
// empty /opt/prodimg (here a temporary folder), then its ExecStart.
describe('the packed package, installed as a dependency', () => {
  let work: string;
  let app: string;
  let tarball: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'prodimg-package-'));
    app = join(work, 'app');
    mkdirSync(app);
    // --ignore-scripts: pack the dist/ test/support/global-setup.ts built, without building again.
    const packed = JSON.parse(npm(ROOT, 'pack', '--json', '--ignore-scripts', '--pack-destination', app)) as Array<{ filename: string }>;
    tarball = join(app, packed[0]!.filename);
    copyProductionDependencies(app);
    npm(app, 'install', '--omit=dev', `./${packed[0]!.filename}`, '--offline', '--ignore-scripts');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('holds the built CLI and no tests or sources', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(files).toContain('package/dist/cli/main.js');
    expect(files).toContain('package/bin/prodimg.js');
    expect(files).toEqual(expect.arrayContaining(['package/web/admin/index.html', 'package/web/admin/admin.js', 'package/web/admin/admin.css']));
    expect(files.filter((file) => file.startsWith('package/test/') || file.startsWith('package/src/'))).toEqual([]);
  });

  it("holds the client's declarations, and the installed package answers `import 'prodimg/client'`", () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(files).toEqual(expect.arrayContaining(['package/dist/client/index.js', 'package/dist/client/index.d.ts', 'package/dist/client/types.d.ts']));
    const script = "import { createClient } from 'prodimg/client'; console.log(Object.keys(createClient({ shop: 'store123', token: 't' })).join(','))";
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8', timeout: WAIT_MS });
    expect(res.stderr).toBe('');
    expect(res.stdout.trim()).toBe('images,products,variants');
  });

  it('answers `npx prodimg --help` and `--version`', () => {
    const help = spawnSync('npx', ['prodimg', '--help'], { cwd: app, encoding: 'utf8', timeout: WAIT_MS });
    expect(help.stderr).not.toContain('not built yet');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: prodimg');
    const version = spawnSync('npx', ['prodimg', '--version'], { cwd: app, encoding: 'utf8', timeout: WAIT_MS });
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  // Regression: npx ran the bin through `sh -c`; on SIGTERM npx and the shell exited, the server stayed.
  it('serves through `npx prodimg serve` and stops gracefully on SIGTERM to npx', async () => {
    const server = await startServe(cliEnv({ dataDir: join(work, 'data') }), [], 1, { command: { file: 'npx', args: ['prodimg', 'serve'], cwd: app } });
    try {
      const health = await fetch(`${server.base}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      // The admin page's files come from the package's web/ folder.
      const admin = await fetch(`${server.base}/admin`);
      expect(admin.status).toBe(200);
      expect(await admin.text()).toContain('/admin/assets/admin.');
      server.child.kill('SIGTERM');
      await within(server.outputClosed, `the server (pid ${server.pid}) to exit after SIGTERM to npx`);
      expect(server.logs.some((entry) => entry.msg === 'stopped')).toBe(true);
    } finally {
      try {
        process.kill(server.pid, 'SIGKILL');
      } catch {
        // gone already
      }
      server.kill();
    }
  });

  // Regression: ExecStart named /opt/prodimg/bin/prodimg.js, where this install puts nothing.
  it("runs deploy/prodimg.service's ExecStart on this install, with the unit's environment: /readyz, /admin, jemalloc, SIGTERM", async () => {
    const command = unitCommand(app);
    expect(command[0]).toBe('/usr/bin/node');
    expect(existsSync(command[1]!), command[1]).toBe(true);
    // The unit's own environment, but data in a temporary directory instead of /var/lib/prodimg.
    const env = { ...cliEnv({ dataDir: '' }), ...ENVIRONMENT['systemd unit'](), PRODIMG_DATA_DIR: join(work, 'unit-data') };
    // This machine's node may live elsewhere than the unit's /usr/bin/node: the same script, run by the node running this test.
    const server = await startServe(env, serveArgs(command), 1, { command: { file: process.execPath, args: command.slice(1, command.indexOf('serve') + 1), cwd: app } });
    await expectDeployedServer(server);
  });
});
