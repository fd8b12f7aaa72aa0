import cluster, { type Worker } from 'node:cluster';
import { performance } from 'node:perf_hooks';
import type { Config } from '../config.js';
import { reportFailure } from './context.js';
import { afterDeath } from './restart-policy.js';

/** A worker's last words to the primary: why it could not start. */
const START_FAILED = 'prodimg:worker-start-failed';

/**
 * In a worker that could not start (its key cannot open the secrets, the database does not answer,
 * ...): says why on stderr and to the primary, then exits with the command's code (2: a setting to
 * fix). Exiting is explicit: the channel to the primary would otherwise keep a worker that serves
 * nothing alive.
 */
export function exitFailedWorker(err: unknown): void {
  reportFailure(err);
  const code = typeof process.exitCode === 'number' && process.exitCode !== 0 ? process.exitCode : 1;
  const exit = () => process.exit(code);
  const reason = err instanceof Error ? err.message : String(err);
  if (!process.send || !process.connected) return exit();
  process.send({ type: START_FAILED, reason }, undefined, {}, exit);
}

/**
 * The primary of `--workers N` once its own start checks passed: forks the workers and starts a
 * dead one again after a delay that grows with the deaths of the last window; after more deaths in
 * the window than tolerated it logs one fatal line, stops the other workers and exits with code 1:
 * the service manager starts a new primary, whose own start checks refuse a setting to fix with
 * code 2, or that serves again once a passing fault (the database down) is over. Counts reach the
 * workers (for /readyz) and /metrics (worker-counts.ts).
 * Returns the stop it runs on SIGTERM/SIGINT, for other reasons to stop.
 */
export async function superviseWorkers(config: Config, workers: number): Promise<{ stop(signal: NodeJS.Signals): void }> {
  const [{ default: pino }, { serveClusterMetrics }, { shareWorkerCounts, workerCountMetrics }] = await Promise.all([
    import('pino'),
    import('../server/cluster-metrics.js'),
    import('../server/worker-counts.js'),
  ]);
  const logger = pino({ level: config.logLevel });
  const settings = config.workerRestarts;
  /** Ids of the workers running, and of those listening now. */
  const live = new Set<number>();
  const serving = new Set<number>();
  /** Why a worker said it could not start, until its exit is logged. */
  const reasons = new Map<number, string>();
  const timers = new Set<NodeJS.Timeout>();
  let deaths: readonly number[] = [];
  let deathsTotal = 0;
  let restarts = 0;
  let stopping = false;
  let givingUp = false;
  const counts = () => ({ configured: workers, serving: serving.size, deaths: deathsTotal, restarts });
  const shared = shareWorkerCounts(counts);

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    if (!givingUp) logger.info({ signal }, 'stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    exitOnceAlone();
  };
  const exitOnceAlone = () => {
    if (givingUp && live.size === 0) process.exit(1);
  };

  cluster.on('message', (worker, message: { type?: unknown; reason?: unknown }) => {
    if (message?.type === START_FAILED && typeof message.reason === 'string') reasons.set(worker.id, message.reason);
  });
  cluster.on('listening', (worker) => {
    if (serving.has(worker.id)) return;
    serving.add(worker.id);
    shared.changed();
  });
  cluster.on('fork', (worker) => live.add(worker.id));
  cluster.on('exit', (worker, code, signal) => {
    // Its last message (why it could not start) may still be in the channel: read it first.
    if (worker.isConnected()) worker.once('disconnect', () => died(worker, code, signal));
    else died(worker, code, signal);
  });
  const died = (worker: Worker, code: number, signal: string) => {
    live.delete(worker.id);
    const served = serving.delete(worker.id);
    const reason = reasons.get(worker.id);
    reasons.delete(worker.id);
    if (stopping) return exitOnceAlone();
    deathsTotal++;
    const next = afterDeath(deaths, performance.now(), settings);
    deaths = next.recent;
    const facts = { worker: worker.process.pid, code, signal, ...(reason !== undefined ? { reason } : {}), ...counts() };
    if (next.action === 'give-up') {
      logger.fatal(
        { ...facts, recentDeaths: next.recent.length, windowMs: settings.windowMs },
        `workers keep dying: ${next.recent.length} deaths within ${settings.windowMs} ms, more than PRODIMG_WORKER_MAX_DEATHS=${settings.maxDeaths}; stopping the other workers and exiting`,
      );
      givingUp = true;
      shared.changed();
      return stop('SIGTERM');
    }
    logger.error({ ...facts, restartInMs: next.delayMs }, served ? 'worker died; starting another' : 'worker failed to start; starting another');
    shared.changed();
    const timer = setTimeout(() => {
      timers.delete(timer);
      restarts++;
      cluster.fork();
      shared.changed();
    }, next.delayMs);
    timers.add(timer);
  };

  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // A scrape reaches one worker, which asks here for the sum over all of them.
  const listening = () => [...serving].flatMap((id) => cluster.workers?.[id] ?? []);
  await serveClusterMetrics(listening, await workerCountMetrics(counts));
  for (let i = 0; i < workers; i++) cluster.fork();
  logger.info({ workers, restartPolicy: settings }, 'prodimg primary started');
  return { stop };
}
