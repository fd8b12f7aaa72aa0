// prodimg under test, reached only through its CLI (node bin/prodimg.js) and HTTP API.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase } from './postgres.mjs';
import { callOk } from './load.mjs';
import { freePort, startServer } from './proc.mjs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/prodimg.js');
export const API = '/openapi/2022-01';

/**
 * `npm run build` unless dist/ is newer than every file in src/ (tsc takes ~15 s here). With a failed
 * build (someone is mid-edit), an existing dist/ is used and the failure reported.
 */
export function build({ skip }) {
  const built = existsSync(join(ROOT, 'dist/cli/main.js'));
  if (skip) {
    if (!built) throw new Error('dist/ is missing: run `npm run build` or drop --no-build');
    return 'build skipped (--no-build)';
  }
  if (built && distIsFresh()) return 'dist/ up to date with src/';
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status === 0) return 'built';
  if (!built) throw new Error(`npm run build failed and dist/ is missing:\n${result.stdout}${result.stderr}`);
  const first = `${result.stdout}${result.stderr}`.trim().split('\n')[0];
  return `build FAILED, using the existing dist/ (${first})`;
}

function distIsFresh() {
  const src = join(ROOT, 'src');
  for (const entry of readdirSync(src, { recursive: true })) {
    if (!entry.endsWith('.ts')) continue;
    const out = join(ROOT, 'dist', entry.replace(/\.ts$/, '.js'));
    if (!existsSync(out) || statSync(out).mtimeMs < statSync(join(src, entry)).mtimeMs) return false;
  }
  return true;
}

/** Runs the CLI and resolves to its stdout; rejects with stderr on a non-zero exit. */
export function cli(args, env, { timeoutMs = 900_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status, signal) => {
      if (status === 0) return resolve(stdout);
      const error = new Error(`prodimg ${args.join(' ')} exited with ${status ?? signal}: ${(stderr || stdout).trim().slice(0, 500)}`);
      error.status = status;
      error.stderr = stderr;
      reject(error);
    });
  });
}

export function lastLine(text) {
  return text.trim().split('\n').at(-1).trim();
}

/**
 * A fresh, empty prodimg database: a temp data dir for SQLite, or a new PostgreSQL database.
 * `env` is what every CLI call and server for this store needs; `dispose` removes it all.
 */
export async function freshStore(dialect, { pgUrl, extraEnv = {} } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'prodimg-bench-'));
  // Ingestion off unless a scenario asks for it: read scenarios keep src and sizes as sent.
  const env = { PRODIMG_DATA_DIR: dataDir, PRODIMG_LOG_LEVEL: 'silent', PRODIMG_INGEST: 'off', DATABASE_URL: '', ...extraEnv };
  let dropDatabase = async () => {};
  if (dialect === 'postgres') {
    const created = await createDatabase(pgUrl);
    env.DATABASE_URL = created.url;
    dropDatabase = created.drop;
  }
  return {
    dialect,
    env,
    dataDir,
    sqliteFile: join(dataDir, 'prodimg.sqlite'),
    async dispose() {
      const drop = dropDatabase;
      dropDatabase = async () => {};
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The `bench` shop and a read/write token for it; returns the token. */
export async function createShopAndToken(store) {
  await cli(['shops', 'create', 'bench'], store.env);
  return lastLine(await cli(['tokens', 'create', '--shop', 'bench', '--scopes', 'read_product,write_product'], store.env));
}

/** `prodimg serve` on a free port as a child process; `extraArgs` e.g. ['--workers', '2']. */
export async function serve(store, { name = `prodimg-${store.dialect}`, env = {}, extraArgs = [] } = {}) {
  const port = await freePort();
  const server = await startServer({
    name,
    args: [BIN, 'serve', '--port', String(port), ...extraArgs],
    env: { ...store.env, ...env },
    port,
    cwd: ROOT,
  });
  server.base = `http://127.0.0.1:${port}`;
  return server;
}

/** The most images with a src one product body may bring (docs/contract.md); the rest are added one by one. */
const SOURCES_PER_BODY = 50;

/** A product with `count` images made with ingestion off (src kept as sent); returns its JSON. */
export async function createProduct(base, token, count, { title = 't' } = {}) {
  const images = Array.from({ length: count }, (_, i) => ({
    src: `https://img.example.com/products/${i + 1}.jpg`,
    width: 800,
    height: 600,
    alt: `image ${i + 1}`,
  }));
  const first = images.slice(0, SOURCES_PER_BODY);
  const created = (await callOk(base, { method: 'POST', path: `${API}/products`, token, body: { product: { title, images: first } } })).json.product;
  if (images.length === first.length) return created;
  for (const image of images.slice(first.length)) {
    await callOk(base, { method: 'POST', path: `${API}/products/${created.id}/images`, token, body: { image } });
  }
  return (await callOk(base, { path: `${API}/products/${created.id}`, token })).json.product;
}
