import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, startServe } from '../reliability/support-server.js';
import { assembleRunStage, DOCKERFILE, expectDeployedServer, ENVIRONMENT, execForm, ROOT, serveArgs, stages, UNIT } from '../support/deploy-files.js';
import { WAIT_MS, within } from '../support/waiting.js';

describe('deploy/: the production examples', () => {
  // Docker is not available here: the image is not built, but what it runs is run below.
  it('the Dockerfile is multi-stage, runs as a non-root user, has a health check and runs the server itself', () => {
    expect(DOCKERFILE.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(DOCKERFILE).toMatch(/^USER node$/m);
    expect(execForm(/^HEALTHCHECK .*?CMD (\[.*\])$/m).join(' ')).toContain('/healthz');
    expect(execForm(/^CMD (\[.*\])$/m).slice(0, 3)).toEqual(['node', 'bin/prodimg.js', 'serve']);
  });

  it('both preload jemalloc (MALLOC_ARENA_MAX=2 for glibc if it is missing) and set their data directory (docs/images.md)', () => {
    const allocator = { LD_PRELOAD: 'libjemalloc.so.2', MALLOC_ARENA_MAX: '2' };
    expect(ENVIRONMENT.Dockerfile()).toMatchObject({ NODE_ENV: 'production', PRODIMG_DATA_DIR: '/data', ...allocator });
    expect(ENVIRONMENT['systemd unit']()).toMatchObject({ NODE_ENV: 'production', PRODIMG_DATA_DIR: '/var/lib/prodimg', ...allocator });
    // The image installs the library it preloads, in the stage that runs.
    expect(stages().at(-1)!.instructions).toContainEqual(expect.stringMatching(/^RUN apt-get update && apt-get install -y (--\S+ )*libjemalloc2 /));
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
    expect(UNIT).toMatch(/^ExecStart=\S+ \/opt\/prodimg\/node_modules\/prodimg\/bin\/prodimg\.js /m);
    expect(UNIT).toMatch(/^EnvironmentFile=-?\/etc\/prodimg\/env$/m);
    expect(ENVIRONMENT['systemd unit']().PRODIMG_DATA_DIR).toBe('/var/lib/prodimg');
    expect(UNIT).toMatch(/^ReadWritePaths=\/var\/lib\/prodimg$/m);
  });

  it('the systemd unit runs the server itself under its own user and stops it with SIGTERM', () => {
    expect(UNIT).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/prodimg\/\S+\.js serve /m);
    expect(UNIT).toMatch(/^User=prodimg$/m);
    expect(UNIT).toMatch(/^KillSignal=SIGTERM$/m);
    expect(UNIT).toMatch(/^RestartPreventExitStatus=2$/m);
  });

  describe("the image's run stage, assembled here from its COPY lines", () => {
    let work: string;
    beforeAll(() => {
      work = mkdtempSync(join(tmpdir(), 'prodimg-deploy-'));
      assembleRunStage(join(work, 'app'));
    });
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    // Regression: the run stage had no web/, and the server reads web/admin/index.html when it starts.
    it('holds what the server reads: package.json, bin/, dist/, web/ and the dependencies', () => {
      for (const path of ['package.json', 'bin/prodimg.js', 'dist/cli/main.js', 'web/admin/index.html', 'node_modules/fastify/package.json']) {
        expect(existsSync(join(work, 'app', path)), path).toBe(true);
      }
    });

    it('its CMD, with its ENV, answers /readyz, /admin and the health check, runs on jemalloc, and stops gracefully on SIGTERM', async () => {
      const command = execForm(/^CMD (\[.*\])$/m);
      // The file's own environment, but data in a temporary directory instead of the /data volume.
      const env = { ...cliEnv({ dataDir: '' }), ...ENVIRONMENT.Dockerfile(), PRODIMG_DATA_DIR: join(work, 'data') };
      const server = await startServe(env, serveArgs(command), 1, {
        command: { file: process.execPath, args: command.slice(1, command.indexOf('serve') + 1), cwd: join(work, 'app') },
      });
      await expectDeployedServer(server, () => {
        const probe = execForm(/^HEALTHCHECK .*?CMD (\[.*\])$/m).map((arg) => arg.replace('127.0.0.1:8080', server.base.replace('http://', '')));
        const health = spawnSync(process.execPath, probe.slice(1), { encoding: 'utf8', timeout: WAIT_MS });
        expect(health.status).toBe(0);
      });
    });
  });
});
