import cluster from 'node:cluster';
import { createServer } from 'node:net';
import type { Command } from 'commander';
import { assertWritable, configFromEnv, openFromEnv, openSecrets, UsageError } from './context.js';

interface ServeOptions {
  port: string;
  host: string;
  workers: string;
}

/** How often a server started by npm (npm start, npx) checks that npm is still there. */
const PARENT_CHECK_MS = 250;

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got "${value}"`);
  return port;
}

function parseWorkers(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 64) throw new UsageError(`--workers must be an integer from 1 to 64, got "${value}"`);
  return Number(value);
}

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run the API server (one log line per request)')
    .option('--port <port>', 'port to listen on', '8080')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--workers <n>', 'server processes sharing the port (node:cluster); they share the database', '1')
    .action(async (opts: ServeOptions) => {
      const port = parsePort(opts.port);
      const workers = parseWorkers(opts.workers);
      if (workers > 1 && cluster.isPrimary) return supervise(port, opts.host, workers);
      return serve(port, opts.host);
    });
}

/**
 * Binds the address once and lets go of it, before anything is created or migrated: a port in use
 * or a bad --host is reported in one line, with the data directory untouched.
 */
async function checkListen(port: number, host: string): Promise<void> {
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ port, host, exclusive: true }, resolve);
    });
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    throw new UsageError(`cannot listen on ${host}:${port}: ${code ?? message}`);
  }
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

/**
 * npm runs a script or `npx` command through `sh -c`, and on SIGTERM or SIGINT npm and that shell
 * exit without passing the signal on. A server started under npm stops when npm is gone.
 */
function stopWithNpm(stop: (reason: string) => void): void {
  if (!process.env.npm_lifecycle_event || !cluster.isPrimary) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) stop('parent exited');
  }, PARENT_CHECK_MS);
  timer.unref();
}

/** One server process: listens until SIGTERM/SIGINT, then finishes in-flight requests and closes the database. */
async function serve(port: number, host: string): Promise<void> {
  const settings = configFromEnv();
  // A cluster worker's listen goes through the primary, which checked the address already.
  if (cluster.isPrimary) await checkListen(port, host);
  const { config, database } = await openFromEnv(settings);
  const [{ default: pino }, { buildApp }, { LOG_REDACTION }] = await Promise.all([
    import('pino'),
    import('../server/build-app.js'),
    import('../server/request-log.js'),
  ]);
  let secrets: Awaited<ReturnType<typeof openSecrets>>;
  try {
    await assertWritable(config, database);
    secrets = await openSecrets(config, database);
  } catch (err) {
    await database.close();
    throw err;
  }
  const logger = pino({ level: config.logLevel, redact: LOG_REDACTION });
  // Until PRODIMG_CDN_HOST says otherwise, stored images are served from this server's own /cdn.
  let publicAddress = `${host}:${port}`;
  const app = await buildApp({ config, database, logger, secrets, publicAddress: () => publicAddress });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    await app.close();
    await database.close();
    logger.info('stopped');
    // A cluster worker's channel to the primary would keep it alive; let go of it to exit.
    if (cluster.isWorker) cluster.worker?.disconnect();
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  stopWithNpm((reason) => void shutdown(reason));
  const address = await app.listen({ port, host });
  const bound = app.server.address();
  if (bound && typeof bound === 'object') publicAddress = `${reachableHost(bound.address)}:${bound.port}`;
  logger.info({ address, database: database.dialect, location: database.location, baseDomain: config.baseDomain }, 'prodimg listening');
}

/**
 * The primary of `--workers N`: migrates once, forks the workers, replaces one that dies, and on
 * SIGTERM/SIGINT passes the signal on and waits for every worker to finish its requests.
 */
async function supervise(port: number, host: string, workers: number): Promise<void> {
  const settings = configFromEnv();
  await checkListen(port, host);
  const { config, database } = await openFromEnv(settings);
  try {
    await assertWritable(config, database);
    await openSecrets(config, database);
  } finally {
    await database.close();
  }
  const { default: pino } = await import('pino');
  const logger = pino({ level: config.logLevel });
  let stopping = false;
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
    cluster.fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  stopWithNpm(() => stop('SIGTERM'));
  for (let i = 0; i < workers; i++) cluster.fork();
  logger.info({ workers }, 'prodimg primary started');
}

/** A wildcard bind is reached through loopback from this machine; other machines need PRODIMG_CDN_HOST. */
function reachableHost(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return address.includes(':') ? `[${address}]` : address;
}
