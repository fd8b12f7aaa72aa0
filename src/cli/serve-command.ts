import cluster from 'node:cluster';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { RateLimitSettings } from '../rate-limit-settings.js';
import type { SecretBox } from '../secret-box.js';
import type { Seed } from '../stand-in/seed-schema.js';
import type { StandIn } from '../stand-in/stand-in.js';
import type { Database } from '../storage/database.js';
import { assertWritable, configFromEnv, openFromEnv, openSecrets, UsageError } from './context.js';
import { tlsFiles } from './local-tls.js';

interface ServeOptions {
  port: string;
  host: string;
  workers: string;
  tls?: boolean;
  tlsPort: string;
  tlsCert?: string;
  tlsKey?: string;
  seed?: string;
  randomSeed?: string;
  allowReset?: boolean;
}

/** Stand-in mode: a seed to start from and go back to, and the /__prodimg routes. */
interface StandInMode {
  seedFile: string | undefined;
  randomSeed: number;
}

/** HTTPS beside HTTP: its port, and the options that say where its certificate comes from. */
interface TlsListen {
  port: number;
  cert?: string;
  key?: string;
}

/** How often a server started by npm (npm start, npx) checks that npm is still there. */
const PARENT_CHECK_MS = 250;

function parsePort(value: string, option = '--port'): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`${option} must be an integer from 0 to 65535, got "${value}"`);
  return port;
}

function parseRandomSeed(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new UsageError(`--random-seed must be a whole number, got "${value}"`);
  return Number(value);
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
    .option('--tls', 'serve HTTPS too, with a certificate for *.<base domain> from a local CA made once in <data dir>/tls')
    .option('--tls-port <port>', 'port for HTTPS', '8443')
    .option('--tls-cert <file>', 'PEM certificate to serve HTTPS with instead (implies --tls)')
    .option('--tls-key <file>', 'its PEM private key')
    .option('--seed <file>', 'stand-in mode: start from this seed (.json, .yaml) on a fresh database; implies --allow-reset')
    .option('--random-seed <n>', 'stand-in mode: the number the ids and tokens a seed does not give are made from', '0')
    .option('--allow-reset', 'stand-in mode: serve /__prodimg/reset, /__prodimg/requests and /__prodimg/faults (for app test suites)')
    .action(async (opts: ServeOptions) => {
      const port = parsePort(opts.port);
      const workers = parseWorkers(opts.workers);
      const tls = opts.tls || opts.tlsCert || opts.tlsKey ? { port: parsePort(opts.tlsPort, '--tls-port'), ...(opts.tlsCert ? { cert: opts.tlsCert } : {}), ...(opts.tlsKey ? { key: opts.tlsKey } : {}) } : undefined;
      const standIn = opts.seed !== undefined || opts.allowReset ? { seedFile: opts.seed, randomSeed: parseRandomSeed(opts.randomSeed ?? '0') } : undefined;
      if (standIn && workers > 1) throw new UsageError('stand-in mode (--seed, --allow-reset) keeps its journal and faults in one process: leave out --workers');
      if (workers > 1 && cluster.isPrimary) return supervise(port, opts.host, workers, tls);
      const serving = serve(port, opts.host, tls, standIn);
      // A worker that cannot start must exit, so the primary sees it and starts another.
      if (cluster.isWorker) return serving.catch(async (err: unknown) => (await import('./cluster-supervisor.js')).exitFailedWorker(err));
      return serving;
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
async function serve(port: number, host: string, tls?: TlsListen, standInMode?: StandInMode): Promise<void> {
  // A stand-in reads its seed first (a bad one is a one-line refusal) and runs on a temporary data
  // directory (removed when it stops) unless PRODIMG_DATA_DIR or DATABASE_URL names one.
  const seed = standInMode ? await readSeed(standInMode.seedFile) : undefined;
  const temporary = standInMode && !process.env.PRODIMG_DATA_DIR && !process.env.DATABASE_URL ? mkdtempSync(join(tmpdir(), 'prodimg-stand-in-')) : undefined;
  const removeTemporary = () => temporary && rmSync(temporary, { recursive: true, force: true });
  // Offline unless PRODIMG_INGEST=fetch says otherwise, as startProdimg is.
  const env = standInMode ? { PRODIMG_INGEST: 'off', ...process.env, ...(temporary ? { PRODIMG_DATA_DIR: temporary } : {}) } : process.env;
  const loaded = configFromEnv(env);
  const settings = standInMode ? (await import('../stand-in/stand-in-config.js')).standInConfig(loaded) : loaded;
  // A cluster worker's listen goes through the primary, which checked the address already.
  if (cluster.isPrimary) await checkListen(port, host);
  if (cluster.isPrimary && tls) await checkListen(tls.port, host);
  const certificate = tls ? tlsFiles({ dataDir: settings.dataDir, baseDomain: settings.baseDomain, ...tls }) : undefined;
  const { config, database } = await openFromEnv(settings, { server: true });
  const [{ default: pino }, { buildApp }, { LOG_REDACTION }, { followWorkerCounts }] = await Promise.all([
    import('pino'),
    import('../server/build-app.js'),
    import('../server/request-log.js'),
    import('../server/worker-counts.js'),
  ]);
  const workerCounts = cluster.isWorker ? followWorkerCounts() : undefined;
  let secrets: SecretBox;
  let standIn: StandIn | undefined;
  try {
    await assertWritable(config, database);
    secrets = await openSecrets(config, database);
    if (standInMode && seed) standIn = await openStandIn(database, seed, standInMode, config.rateLimits);
  } catch (err) {
    await database.close();
    removeTemporary();
    throw err;
  }
  const logger = pino({ level: config.logLevel, redact: LOG_REDACTION });
  // Until PRODIMG_CDN_HOST says otherwise, stored images are served from this server's own /cdn.
  let publicAddress = `${host}:${port}`;
  let app: Awaited<ReturnType<typeof buildApp>>;
  try {
    app = await buildApp({ config, database, logger, secrets, publicAddress: () => publicAddress, clusterWorker: cluster.isWorker, ...(workerCounts ? { workerCounts } : {}), ...(certificate ? { tls: certificate } : {}), ...(standIn ? { standIn } : {}) });
  } catch (err) {
    await database.close();
    removeTemporary();
    const { SeedError } = await import('../stand-in/seed-error.js');
    throw err instanceof SeedError ? new UsageError(err.message) : err;
  }
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    await app.close();
    await database.close();
    removeTemporary();
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
  const secure = app.secureServer && tls ? await listenSecure(app.secureServer, tls.port, host) : undefined;
  const https = secure ? { secureAddress: secure, ...(certificate?.caFile ? { trustCa: certificate.caFile } : {}) } : {};
  // A stand-in's line carries what a test needs: the url and the seeded stores' tokens.
  const standing = standIn ? { url: address, shops: standIn.shops } : {};
  logger.info({ address, ...standing, docs: `${address}/docs`, ...https, database: database.dialect, location: database.location, baseDomain: config.baseDomain }, 'prodimg listening');
}

/**
 * The primary of `--workers N`: checks the address, the data directory, the database and the key
 * once and migrates, then supervises the workers (cluster-supervisor.ts) until SIGTERM/SIGINT, which
 * it passes on, waiting for every worker to finish its requests.
 */
async function supervise(port: number, host: string, workers: number, tls?: TlsListen): Promise<void> {
  const settings = configFromEnv();
  await checkListen(port, host);
  if (tls) {
    await checkListen(tls.port, host);
    // Made once here, so the workers only read it.
    tlsFiles({ dataDir: settings.dataDir, baseDomain: settings.baseDomain, ...tls });
  }
  const { config, database } = await openFromEnv(settings);
  try {
    await assertWritable(config, database);
    await openSecrets(config, database);
  } finally {
    await database.close();
  }
  const { superviseWorkers } = await import('./cluster-supervisor.js');
  const { stop } = await superviseWorkers(config, workers);
  stopWithNpm(() => stop('SIGTERM'));
}

/** A wildcard bind is reached through loopback from this machine; other machines need PRODIMG_CDN_HOST. */
function reachableHost(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return address.includes(':') ? `[${address}]` : address;
}

/** Listens for HTTPS (through the cluster primary in a worker); `https://host:port`. */
async function listenSecure(server: import('node:https').Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => resolve());
  });
  const bound = server.address();
  return typeof bound === 'object' && bound ? `https://${reachableHost(bound.address)}:${bound.port}` : `https://${host}:${port}`;
}

/** The seed file, checked; none (`--allow-reset` alone): the empty seed, so a reset goes back to no stores. */
async function readSeed(file: string | undefined): Promise<Seed> {
  if (file === undefined) return {};
  const [{ readSeedFile }, { SeedError }] = await Promise.all([import('../stand-in/seed-file.js'), import('../stand-in/seed-error.js')]);
  try {
    return await readSeedFile(file);
  } catch (err) {
    if (err instanceof SeedError) throw new UsageError(err.message);
    throw err;
  }
}

async function openStandIn(database: Database, seed: Seed, mode: StandInMode, rateLimits: RateLimitSettings | null): Promise<StandIn> {
  const [{ StandIn }, { requireEmpty }] = await Promise.all([import('../stand-in/stand-in.js'), import('../stand-in/require-empty.js')]);
  try {
    await requireEmpty(database, process.env.DATABASE_URL ? 'the database at DATABASE_URL' : `PRODIMG_DATA_DIR (${process.env.PRODIMG_DATA_DIR})`);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return new StandIn({ seed, source: mode.seedFile ?? 'the seed', randomSeed: mode.randomSeed, database, rateLimits });
}
