import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { sampleValue } from '../support/metrics-text.js';
import { runProcess } from '../support/run-process.js';
import { waitsTimeout, within } from '../support/waiting.js';
import { BIN, cliEnv, type LogEntry, type ServeProcess, startServe } from './support-server.js';

/**
 * `prodimg serve --workers 2` when a worker dies: the primary starts another after a delay that
 * doubles with each death in the window, and gives up (stops the others, exits non-zero) after
 * more deaths than PRODIMG_WORKER_MAX_DEATHS. Small settings, so a run takes seconds.
 */
const RESTARTS = { PRODIMG_WORKER_RESTART_MS: '300', PRODIMG_WORKER_RESTART_MAX_MS: '600', PRODIMG_WORKER_MAX_DEATHS: '4', PRODIMG_WORKER_DEATHS_WINDOW_MS: '60000' };
const DIED = 'worker died; starting another';
const FAILED = 'worker failed to start; starting another';

describe.each(DIALECTS)('worker restarts of `prodimg serve --workers 2` on %s', (dialect) => {
  let db: TestDatabase | undefined;
  let server: ServeProcess | undefined;
  afterEach(async () => {
    server?.kill();
    await server?.exited;
    await db?.drop().catch(() => {});
    server = undefined;
    db = undefined;
  });

  const start = async () => {
    db = await freshDatabase(dialect);
    await db.database.close();
    const env = cliEnv({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, extra: RESTARTS });
    server = await startServe(env, ['--workers', '2'], 2);
    return { env, server, dataDir: db.dataDir };
  };
  /** One request on its own connection: the primary hands connections to the workers in turn. */
  const get = async (path: string) => {
    const answer = await request(`${server!.base}${path}`, { reset: true });
    return { status: answer.statusCode, body: await answer.body.text() };
  };
  const workerPids = (logs: LogEntry[]) => logs.filter((entry) => entry.msg === 'prodimg listening').map((entry) => entry.pid!);
  const counts = (metrics: string) =>
    Object.fromEntries(
      ['prodimg_workers_configured', 'prodimg_workers_serving', 'prodimg_worker_deaths_total', 'prodimg_worker_restarts_total'].map((name) => [name, sampleValue(metrics, name)]),
    );

  it(
    'a healthy worker killed is replaced after the base delay, and /metrics counts its death and restart once, whichever worker answers',
    async () => {
      const { server } = await start();
      const [victim] = workerPids(server.logs);
      process.kill(victim!, 'SIGKILL');
      await server.waitForLog('prodimg listening', 3);
      const death = server.logs.find((entry) => entry.msg === DIED);
      expect(death).toMatchObject({ worker: victim, signal: 'SIGKILL', restartInMs: 300, deaths: 1 });
      // Four scrapes alternate between the two workers; each sums both workers' metrics and adds the primary's counts once.
      for (let scrape = 0; scrape < 4; scrape++) {
        const metrics = await get('/metrics');
        expect(metrics.status).toBe(200);
        expect(counts(metrics.body)).toEqual({ prodimg_workers_configured: 2, prodimg_workers_serving: 2, prodimg_worker_deaths_total: 1, prodimg_worker_restarts_total: 1 });
      }
      const ready = await get('/readyz');
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.body)).toMatchObject({ status: 'ok', workers: { serving: 2, configured: 2 } });
      server.child.kill('SIGTERM');
      expect(await within(server.exited, 'serve --workers 2 to exit on SIGTERM')).toEqual({ code: 0, signal: null });
    },
    waitsTimeout(4),
  );

  it(
    'after secret.key changed on disk, replacements fail their start check and exit, are started again with backoff, and the primary gives up loudly with exit code 1',
    async () => {
      const { env, server, dataDir } = await start();
      // A sealed secret in the database (an app's client secret), then a key that cannot open it.
      const app = await runProcess(process.execPath, [BIN, 'apps', 'create', '--name', 'Sync', '--redirect-uri', 'https://app.example/cb'], env);
      expect(app.status, app.stderr).toBe(0);
      writeFileSync(join(dataDir, 'secret.key'), `${randomBytes(32).toString('hex')}\n`);
      const [victim, survivor] = workerPids(server.logs);
      process.kill(victim!, 'SIGKILL');

      // While replacements are failing, the surviving worker serves and says so.
      await server.waitForLog(FAILED, 1);
      const ready = await get('/readyz');
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.body)).toMatchObject({ status: 'ok', workers: { serving: 1, configured: 2 } });
      const metrics = await get('/metrics');
      expect(metrics.status).toBe(200);
      const seen = counts(metrics.body);
      expect(seen).toMatchObject({ prodimg_workers_configured: 2, prodimg_workers_serving: 1 });
      expect(seen.prodimg_worker_deaths_total).toBeGreaterThanOrEqual(2);
      // A restart follows each death but the last, after its delay.
      expect([seen.prodimg_worker_deaths_total! - 1, seen.prodimg_worker_deaths_total]).toContain(seen.prodimg_worker_restarts_total);

      const exit = await within(server.exited, 'the primary to give up');
      // 1, whatever the workers' codes: a new primary's own start checks say whether a setting is to fix (2).
      expect(exit).toEqual({ code: 1, signal: null });
      const deaths = server.logs.filter((entry) => entry.msg === DIED || entry.msg === FAILED);
      expect(deaths.map((entry) => entry.restartInMs)).toEqual([300, 600, 600, 600]);
      expect(deaths.slice(1).every((entry) => entry.msg === FAILED && entry.code === 2 && String(entry.reason).includes('cannot open the secrets in this database'))).toBe(true);
      // Each replacement was started only after its delay: the next death comes later than that.
      deaths.slice(1).forEach((entry, i) => expect((entry.time as number) - (deaths[i]!.time as number)).toBeGreaterThanOrEqual(deaths[i]!.restartInMs as number));
      const gaveUp = server.logs.filter((entry) => String(entry.msg).startsWith('workers keep dying'));
      expect(gaveUp).toHaveLength(1);
      expect(gaveUp[0]).toMatchObject({ level: 60, deaths: 5, restarts: 4, serving: 1, code: 2 });
      expect(gaveUp[0]!.msg).toBe('workers keep dying: 5 deaths within 60000 ms, more than PRODIMG_WORKER_MAX_DEATHS=4; stopping the other workers and exiting');
      // The survivor was stopped, not left behind.
      expect(server.logs.some((entry) => entry.pid === survivor && entry.msg === 'stopped')).toBe(true);
      expect(server.stderr.join('')).toContain('cannot open the secrets in this database');
    },
    waitsTimeout(5),
  );
});
