import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/program.js';
import { BIN, cliEnv } from '../reliability/support-server.js';
import { startApi, type TestApi } from '../support/api.js';
import { freePort } from '../support/nginx.js';
import { WAIT_MS, waitsTimeout, within } from '../support/waiting.js';

/** Every command that runs something (no subcommands of its own), as its words: `shops list`. */
function leafCommands(command: Command, path: string[] = []): string[] {
  if (command.commands.length === 0) return [path.join(' ')];
  return command.commands.flatMap((sub) => leafCommands(sub, [...path, sub.name()]));
}

/** Every command, groups included: each answers `--help`. */
function allCommands(command: Command, path: string[] = []): string[][] {
  return [path, ...command.commands.flatMap((sub) => allCommands(sub, [...path, sub.name()]))];
}

interface Context {
  api: TestApi;
  work: string;
  /** Runs the CLI with a reader that reads everything: its output, which must be a success. */
  run(...args: string[]): string;
}

/**
 * What each command is run with. A command missing here fails the test: a new command is covered
 * once it is given its arguments. Arguments that need something to exist make it first.
 */
const RUNS: Record<string, (ctx: Context) => string[]> = {
  'shops create': () => ['shops', 'create', `made-${Math.random().toString(36).slice(2, 8)}`],
  'shops list': () => ['shops', 'list'],
  'shops deactivate': () => ['shops', 'deactivate', 'beta'],
  'shops activate': () => ['shops', 'activate', 'beta'],
  'shops delete': (ctx) => {
    ctx.run('shops', 'create', 'doomed');
    return ['shops', 'delete', 'doomed'];
  },
  'shops webhook-secret': () => ['shops', 'webhook-secret', 'alpha'],
  'tokens create': () => ['tokens', 'create', '--shop', 'alpha'],
  'tokens list': () => ['tokens', 'list', '--shop', 'alpha'],
  'tokens revoke': (ctx) => ['tokens', 'revoke', /^# access token ([0-9a-f]{12})/.exec(ctx.run('tokens', 'create', '--shop', 'alpha'))![1]!],
  'apps create': () => ['apps', 'create', '--name', 'Made', '--redirect-uri', 'https://app.example/callback'],
  'apps list': () => ['apps', 'list'],
  'apps delete': (ctx) => ['apps', 'delete', newApp(ctx)],
  'apps install-url': (ctx) => ['apps', 'install-url', '--app', newApp(ctx), '--shop', 'alpha'],
  'apps uninstall': (ctx) => ['apps', 'uninstall', '--app', newApp(ctx), '--shop', 'alpha'],
  'admin-key create': () => ['admin-key', 'create'],
  'admin-key list': () => ['admin-key', 'list'],
  'admin-key revoke': (ctx) => ['admin-key', 'revoke', /^# admin key (\S+) /.exec(ctx.run('admin-key', 'create'))![1]!],
  'webhooks deliveries': () => ['webhooks', 'deliveries'],
  'webhooks redeliver': (ctx) => ['webhooks', 'redeliver', (JSON.parse(ctx.run('webhooks', 'deliveries')) as Array<{ id: string }>)[0]!.id],
  'webhooks trigger': () => ['webhooks', 'trigger', 'products/update', '--shop', 'alpha'],
  gc: () => ['gc', '--dry-run'],
  'blobs migrate': () => ['blobs', 'migrate', '--to', 'database'],
  audit: () => ['audit'],
  import: (ctx) => {
    const file = join(ctx.work, 'products.csv');
    writeFileSync(file, 'Handle,Title\nimported,Imported\n');
    return ['import', file, '--shop', 'alpha'];
  },
  export: () => ['export', '--shop', 'alpha', '--format', 'jsonl'],
  backup: (ctx) => ['backup', '--out', join(ctx.work, `backup-${Math.random().toString(36).slice(2, 8)}.tar`)],
  restore: (ctx) => {
    const archive = join(ctx.work, 'to-restore.tar');
    ctx.run('backup', '--out', archive);
    return ['restore', archive];
  },
  mirror: (ctx) => ['mirror', '--from', ctx.api.base, '--token', ctx.api.token, '--shop', 'beta'],
  seed: () => ['seed', '--images', '2', '--shop', 'seeded'],
  openapi: () => ['openapi'],
};

/** Commands run on a data directory of their own, empty: restore, which refuses one that has stores. */
const OWN_DATA_DIR = new Set(['restore']);

/** Commands run another way, with the reason. */
const RUN_APART: Record<string, string> = {
  serve: 'runs until stopped: its own test below checks it keeps serving with its log reader gone',
};

function newApp(ctx: Context): string {
  return (JSON.parse(ctx.run('apps', 'create', '--name', 'Other', '--redirect-uri', 'https://app.example/callback', '--app-url', 'https://app.example/install')) as { client_id: string }).client_id;
}

/** The CLI with its standard output a pipe whose reader has closed before the first write (`| head -c 0`). */
function withClosedReader(env: NodeJS.ProcessEnv, args: readonly string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stderr })));
  return { child, exited: within(exited, `prodimg ${args.join(' ')} to exit`).finally(() => child.kill('SIGKILL')) };
}

const STACK_LINE = /^\s+at /m;

// Regression (issue 28): `prodimg shops list | head -c 100` died with an EPIPE stack trace; the
// handler in cli/main.ts now ends every command quietly. SQLite only: the pipe is the same whatever
// the database.
describe('every command, its reader closed before its first write', () => {
  let ctx: Context;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    const api = await startApi('sqlite', { env: { PRODIMG_ALLOW_PRIVATE_SOURCES: '1' } });
    const work = mkdtempSync(join(tmpdir(), 'prodimg-closed-reader-'));
    env = cliEnv({ dataDir: api.db.dataDir });
    const run = (...args: string[]) => {
      const res = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: WAIT_MS, killSignal: 'SIGKILL' });
      if (res.status !== 0) throw new Error(`prodimg ${args.join(' ')} exited ${res.status}: ${res.stderr}`);
      return res.stdout;
    };
    ctx = { api, work, run };
    // What the commands act on: a product with a webhook subscription (so a delivery exists), a second store.
    expect((await api.call('POST', 'webhooks', { topic: 'products/update', address: 'http://127.0.0.1:9/hook' })).statusCode).toBe(200);
    await api.product(0);
    run('webhooks', 'trigger', 'products/update', '--shop', 'alpha');
    run('shops', 'create', 'beta');
  }, waitsTimeout(6));
  afterAll(async () => {
    await ctx?.api.close();
    if (ctx) rmSync(ctx.work, { recursive: true, force: true });
  });

  it('every command has its arguments here (or a reason to be run apart)', () => {
    const leaves = leafCommands(createProgram());
    expect(leaves.filter((name) => !(name in RUNS) && !(name in RUN_APART))).toEqual([]);
    expect(Object.keys(RUNS).filter((name) => !leaves.includes(name))).toEqual([]);
  });

  it.each(Object.keys(RUNS))('%s: exit 0, no stack trace', async (name) => {
    const args = RUNS[name]!(ctx);
    const dataDir = OWN_DATA_DIR.has(name) ? mkdtempSync(join(ctx.work, 'own-')) : ctx.api.db.dataDir;
    const { code, stderr } = await withClosedReader(cliEnv({ dataDir }), args).exited;
    expect({ code, stackTrace: STACK_LINE.test(stderr) }, stderr).toEqual({ code: 0, stackTrace: false });
  }, waitsTimeout(3));

  it('--help of every command, groups included', async () => {
    const paths = allCommands(createProgram());
    const answers: Array<{ command: string; code: number | null; stderr: string }> = [];
    // A few at a time: each is a Node process starting, much of it waiting on the module loader.
    const waiting = [...paths];
    const helper = async () => {
      for (let path = waiting.shift(); path; path = waiting.shift()) {
        const { code, stderr } = await withClosedReader(env, [...path, '--help']).exited;
        answers.push({ command: path.join(' '), code, stderr });
      }
    };
    await Promise.all([helper(), helper(), helper(), helper()]);
    const byCommand = (a: { command: string }, b: { command: string }) => a.command.localeCompare(b.command);
    expect(answers.sort(byCommand)).toEqual(paths.map((path) => ({ command: path.join(' '), code: 0, stderr: '' })).sort(byCommand));
  }, waitsTimeout(40));

  it('serve keeps serving when its log reader is gone, and stops with code 0 on SIGTERM', async () => {
    const port = await freePort();
    const serving = withClosedReader(env, ['serve', '--port', String(port)]);
    const answered = async (): Promise<number> => {
      for (;;) {
        try {
          const res = await request(`http://127.0.0.1:${port}/healthz`);
          await res.body.dump();
          return res.statusCode;
        } catch (error) {
          // Not listening yet: the port answering is the event awaited.
          if ((error as { code?: string }).code !== 'ECONNREFUSED') throw error;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    };
    expect(await within(answered(), 'prodimg serve to answer /healthz')).toBe(200);
    // Each request logs a line to the closed pipe.
    for (let i = 0; i < 3; i += 1) expect(await answered()).toBe(200);
    serving.child.kill('SIGTERM');
    const { code, stderr } = await serving.exited;
    expect({ code, stackTrace: STACK_LINE.test(stderr) }, stderr).toEqual({ code: 0, stackTrace: false });
  }, waitsTimeout(3));
});
