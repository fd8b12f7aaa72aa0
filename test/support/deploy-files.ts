import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { ServeProcess } from '../reliability/support-server.js';
import { within } from './waiting.js';

/** deploy/'s files read as what they tell Docker and systemd to do, for the tests that run them. */

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DOCKERFILE = readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8');
export const UNIT = readFileSync(join(ROOT, 'deploy/prodimg.service'), 'utf8');

/** The Dockerfile's exec-form instruction (CMD, HEALTHCHECK ... CMD) as its argument list. */
export function execForm(instruction: RegExp): string[] {
  const joined = DOCKERFILE.replace(/\\\n\s*/g, ' ');
  const match = instruction.exec(joined);
  if (!match) throw new Error(`no ${instruction} in deploy/Dockerfile`);
  return JSON.parse(match[1]!) as string[];
}

/** The environment each file sets for the server: the Dockerfile's `ENV` lines, the unit's `Environment=` lines. */
export const ENVIRONMENT = {
  Dockerfile: () => {
    const env: Record<string, string> = {};
    for (const [, pairs] of DOCKERFILE.replace(/\\\n\s*/g, ' ').matchAll(/^ENV (.*)$/gm)) {
      for (const [, key, value] of pairs!.matchAll(/(\w+)=(\S+)/g)) env[key!] = value!;
    }
    return env;
  },
  'systemd unit': () => Object.fromEntries([...UNIT.matchAll(/^Environment=(\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!])),
};

/** The Dockerfile's instructions, continuation lines joined, by stage (`FROM ... AS name` opens one). */
export function stages(): Array<{ name: string | undefined; instructions: string[] }> {
  const found: Array<{ name: string | undefined; instructions: string[] }> = [];
  for (const line of DOCKERFILE.replace(/\\\n\s*/g, ' ').split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const from = /^FROM \S+(?: AS (\S+))?$/i.exec(line);
    if (from) found.push({ name: from[1], instructions: [] });
    else found.at(-1)?.instructions.push(line);
  }
  return found;
}

interface Copy {
  from: string | undefined;
  sources: string[];
  /** Where each source lands in the stage's file system: its absolute path there. */
  targets: string[];
}

/** A stage's `COPY [--from=stage] <source>... <dest>` lines, with each source's place after WORKDIR (Docker's rules for `dir/` and several sources). */
export function copies(instructions: string[]): Copy[] {
  let workdir = '/';
  const found: Copy[] = [];
  for (const instruction of instructions) {
    const [keyword, ...words] = instruction.split(/\s+/);
    if (keyword === 'WORKDIR') workdir = posix.resolve(workdir, words[0]!);
    if (keyword !== 'COPY') continue;
    const from = words.find((word) => word.startsWith('--from='))?.slice('--from='.length);
    const paths = words.filter((word) => !word.startsWith('--'));
    const written = paths.pop()!;
    const dest = posix.resolve(workdir, written);
    const intoFolder = paths.length > 1 || written.endsWith('/') || written === '.';
    found.push({ from, sources: paths, targets: paths.map((source) => (intoFolder ? posix.join(dest, basename(source)) : dest)) });
  }
  return found;
}

/**
 * What `RUN npm ci` (its prepare script builds dist/) adds to its stage's WORKDIR: here, the checkout
 * after `npm ci` and `npm run build` has the same folders. Its node_modules still holds the dev
 * dependencies (the image prunes them); test/cli/package.test.ts runs on production ones only.
 */
const MADE_BY_NPM_CI = ['node_modules', 'dist'];

/** A stage's files as the repository's paths they come from, by their path in the stage: its COPY lines from the build context, and what its npm ci makes. */
function stageFiles(instructions: string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const copy of copies(instructions)) {
    if (copy.from === undefined) copy.sources.forEach((source, i) => files.set(copy.targets[i]!, source));
  }
  if (instructions.some((line) => /^RUN .*\bnpm ci\b/.test(line))) {
    const workdir = [...instructions].reverse().find((line) => line.startsWith('WORKDIR '))!.split(/\s+/)[1]!;
    for (const name of MADE_BY_NPM_CI) files.set(posix.join(workdir, name), name);
  }
  return files;
}

/**
 * Builds, in `into`, the run stage's WORKDIR as the Dockerfile's COPY lines would: `COPY --from=build`
 * takes only what the build stage has (see stageFiles), so a folder neither stage copies is missing
 * here as it would be in the image. node_modules is linked rather than copied (200 MB); everything
 * the server reads by its own path is copied, so nothing resolves back into the checkout.
 */
export function assembleRunStage(into: string): void {
  const all = stages();
  const run = all.at(-1)!;
  const workdir = [...run.instructions].reverse().find((line) => line.startsWith('WORKDIR '))!.split(/\s+/)[1]!;
  for (const copy of copies(run.instructions)) {
    const build = copy.from === undefined ? undefined : all.find((stage) => stage.name === copy.from);
    if (copy.from !== undefined && !build) throw new Error(`COPY --from=${copy.from}: no such stage in deploy/Dockerfile`);
    const built = build ? stageFiles(build.instructions) : undefined;
    copy.sources.forEach((source, i) => {
      const inRepository = built ? built.get(source) : source;
      if (inRepository === undefined) throw new Error(`COPY --from=${copy.from} ${source}: the ${copy.from} stage has no such file (neither its COPY lines nor its npm ci make it)`);
      const target = join(into, posix.relative(workdir, copy.targets[i]!));
      mkdirSync(dirname(target), { recursive: true });
      if (basename(inRepository) === 'node_modules') symlinkSync(join(ROOT, inRepository), target);
      else cpSync(join(ROOT, inRepository), target, { recursive: true });
    });
  }
}

/** `serve` and its options from a start command, with the port left to startServe (`--port 0`). */
export function serveArgs(command: string[]): string[] {
  const at = command.indexOf('serve');
  const args = command.slice(at + 1);
  const port = args.indexOf('--port');
  if (port >= 0) args.splice(port, 2);
  return args;
}

/** The unit's ExecStart as its words, with the install folder it names (its WorkingDirectory, /opt/prodimg) moved to `prefix`. */
export function unitCommand(prefix: string): string[] {
  const installed = /^WorkingDirectory=(\S+)$/m.exec(UNIT)![1]!;
  return /^ExecStart=(.*)$/m.exec(UNIT)![1]!.split(' ').map((word) => (word.startsWith(`${installed}/`) ? prefix + word.slice(installed.length) : word));
}

/**
 * What a deployed start command must give, checked on its running server: jemalloc loaded (LD_PRELOAD
 * by name: .ci/run installs Debian's libjemalloc2, as the image does), /readyz and /admin answering,
 * then `between` (more checks of the caller's), then a graceful stop on SIGTERM.
 */
export async function expectDeployedServer(server: ServeProcess, between: () => void | Promise<void> = () => {}): Promise<void> {
  try {
    expect(readFileSync(`/proc/${server.pid}/maps`, 'utf8')).toMatch(/\/libjemalloc\.so\.2$/m);
    expect((await fetch(`${server.base}/readyz`)).status).toBe(200);
    const admin = await fetch(`${server.base}/admin`);
    expect(admin.status).toBe(200);
    expect(await admin.text()).toContain('/admin/assets/admin.');
    await between();
    server.child.kill('SIGTERM');
    expect(await within(server.exited, 'the server to exit after SIGTERM')).toEqual({ code: 0, signal: null });
    expect(server.logs.some((entry) => entry.msg === 'stopped')).toBe(true);
  } finally {
    server.kill();
  }
}
