import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT, cliEnv, startServe } from '../reliability/support-server.js';
import { WAIT_MS, within } from '../support/waiting.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCKERFILE = readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8');
const UNIT = readFileSync(join(ROOT, 'deploy/prodimg.service'), 'utf8');

/** The Dockerfile's exec-form instruction (CMD, HEALTHCHECK ... CMD) as its argument list. */
function execForm(instruction: RegExp): string[] {
  const joined = DOCKERFILE.replace(/\\\n\s*/g, ' ');
  const match = instruction.exec(joined);
  if (!match) throw new Error(`no ${instruction} in deploy/Dockerfile`);
  return JSON.parse(match[1]!) as string[];
}

/** The environment each file sets for the server: the Dockerfile's `ENV` lines, the unit's `Environment=` lines. */
const ENVIRONMENT = {
  Dockerfile: () => {
    const env: Record<string, string> = {};
    for (const [, pairs] of DOCKERFILE.replace(/\\\n\s*/g, ' ').matchAll(/^ENV (.*)$/gm)) {
      for (const [, key, value] of pairs!.matchAll(/(\w+)=(\S+)/g)) env[key!] = value!;
    }
    return env;
  },
  'systemd unit': () => Object.fromEntries([...UNIT.matchAll(/^Environment=(\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!])),
};

/** `serve` and its options from a start command, with the port left to startServe (`--port 0`). */
function serveArgs(command: string[]): string[] {
  const at = command.indexOf('serve');
  const args = command.slice(at + 1);
  const port = args.indexOf('--port');
  if (port >= 0) args.splice(port, 2);
  return args;
}

describe('deploy/: the production examples', () => {
  // Docker is not available here: the image is not built, but what it runs is run below.
  it('the Dockerfile is multi-stage, runs as a non-root user, has a health check and runs the server itself', () => {
    expect(DOCKERFILE.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(DOCKERFILE).toMatch(/^USER node$/m);
    expect(execForm(/^HEALTHCHECK .*?CMD (\[.*\])$/m).join(' ')).toContain('/healthz');
    expect(execForm(/^CMD (\[.*\])$/m).slice(0, 3)).toEqual(['node', 'bin/prodimg.js', 'serve']);
  });

  it('both set MALLOC_ARENA_MAX=2 and their data directory (docs/images.md)', () => {
    expect(ENVIRONMENT.Dockerfile()).toMatchObject({ NODE_ENV: 'production', PRODIMG_DATA_DIR: '/data', MALLOC_ARENA_MAX: '2' });
    expect(ENVIRONMENT['systemd unit']()).toMatchObject({ NODE_ENV: 'production', PRODIMG_DATA_DIR: '/var/lib/prodimg', MALLOC_ARENA_MAX: '2' });
  });

  it("the README's account of them is what the files say (its docker commands cannot run here: no docker)", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\s*\n\s*/g, ' ');
    // `docker build -f deploy/Dockerfile -t prodimg . && docker run -p 8080:8080 -v prodimg-data:/data prodimg`
    const [, build, run] = /`(docker build [^`&]*?) && (docker run [^`]*)`/.exec(readme)!;
    expect(DOCKERFILE).toContain(`#   ${build}\n#   ${run}\n`);
    const [, published, , volume] = /-p (\d+):(\d+) -v [\w-]+:(\/\w+)/.exec(run!)!;
    expect(DOCKERFILE).toMatch(new RegExp(`^EXPOSE ${published}$`, 'm'));
    expect(execForm(/^CMD (\[.*\])$/m).join(' ')).toContain(`--port ${published}`);
    expect(DOCKERFILE).toMatch(new RegExp(`^VOLUME ${volume}$`, 'm'));
    expect(ENVIRONMENT.Dockerfile().PRODIMG_DATA_DIR).toBe(volume);
    expect(readme).toContain('running as the non-root `node` user, data in the `/data` volume, a `HEALTHCHECK` on `/healthz`');
    // "a systemd unit for a copy installed in `/opt/prodimg`, its own user, settings in `/etc/prodimg/env`, data in `/var/lib/prodimg`"
    expect(readme).toContain('installed in `/opt/prodimg`, its own user, settings in `/etc/prodimg/env`, data in `/var/lib/prodimg`');
    expect(UNIT).toMatch(/^WorkingDirectory=\/opt\/prodimg$/m);
    expect(UNIT).toMatch(/^ExecStart=\S+ \/opt\/prodimg\/bin\/prodimg\.js /m);
    expect(UNIT).toMatch(/^EnvironmentFile=-?\/etc\/prodimg\/env$/m);
    expect(ENVIRONMENT['systemd unit']().PRODIMG_DATA_DIR).toBe('/var/lib/prodimg');
    expect(UNIT).toMatch(/^ReadWritePaths=\/var\/lib\/prodimg$/m);
  });

  it('the systemd unit runs the server itself under its own user and stops it with SIGTERM', () => {
    expect(UNIT).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/prodimg\/bin\/prodimg\.js serve /m);
    expect(UNIT).toMatch(/^User=prodimg$/m);
    expect(UNIT).toMatch(/^KillSignal=SIGTERM$/m);
    expect(UNIT).toMatch(/^RestartPreventExitStatus=2$/m);
  });

  describe.skipIf(!BUILT)('their start commands, run here (needs `npm run build`)', () => {
    let dataDir: string;
    beforeAll(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'prodimg-deploy-'));
    });
    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    const commands = {
      Dockerfile: () => execForm(/^CMD (\[.*\])$/m).slice(1),
      'systemd unit': () => /^ExecStart=\S+ (.*)$/m.exec(UNIT)![1]!.replace('/opt/prodimg/', `${ROOT}/`).split(' '),
    };
    for (const [where, command] of Object.entries(commands)) {
      it(`the ${where}'s command answers its health check and stops gracefully on SIGTERM`, async () => {
        const args = command();
        // The file's own environment, but data in a temporary directory instead of /data or /var/lib/prodimg.
        const env = { ...cliEnv({ dataDir: '' }), ...ENVIRONMENT[where as keyof typeof ENVIRONMENT](), PRODIMG_DATA_DIR: join(dataDir, where.replace(/\W/g, '')) };
        const server = await startServe(env, serveArgs(args), 1, {
          command: { file: process.execPath, args: args.slice(0, args.indexOf('serve') + 1), cwd: ROOT },
        });
        try {
          if (existsSync(`/proc/${server.pid}/environ`)) {
            const environ = readFileSync(`/proc/${server.pid}/environ`, 'utf8').split('\0');
            expect(environ).toContain('MALLOC_ARENA_MAX=2');
          }
          if (where === 'Dockerfile') {
            const probe = execForm(/^HEALTHCHECK .*?CMD (\[.*\])$/m).map((arg) => arg.replace('127.0.0.1:8080', server.base.replace('http://', '')));
            const health = spawnSync(process.execPath, probe.slice(1), { encoding: 'utf8', timeout: WAIT_MS });
            expect(health.status).toBe(0);
          } else {
            expect((await fetch(`${server.base}/healthz`)).status).toBe(200);
          }
          server.child.kill('SIGTERM');
          expect(await within(server.exited, 'the server to exit after SIGTERM')).toEqual({ code: 0, signal: null });
          expect(server.logs.some((entry) => entry.msg === 'stopped')).toBe(true);
        } finally {
          server.kill();
        }
      });
    }
  });
});
