import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, ConfigError, loadConfig } from '../config.js';
import { DomainError } from '../domain/errors.js';
import type { SecretBox } from '../secret-box.js';
import type { Database } from '../storage/database.js';
import { makeDirectory } from '../storage/make-directory.js';

/** Thrown for anything the user must fix before the command can run: exit code 2, one line. */
export class UsageError extends Error {}

/** The settings from the environment, checked; touches no file. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

/** `server`: with the server's bounds on waiting for the database (config.databaseBounds); commands wait as their work needs. */
export async function openFromEnv(config: Config = configFromEnv(), options: { server?: boolean } = {}): Promise<{ config: Config; database: Database }> {
  // Imported here, not at the top: a command that never opens the database (--help) starts faster.
  const { openDatabase } = await import('../storage/database.js');
  // SQLite would say only "unable to open database file" (its WAL needs to write beside the file).
  if (!config.databaseUrl && existsSync(config.dataDir) && !writable(config.dataDir)) throw readOnly(`PRODIMG_DATA_DIR (${config.dataDir})`);
  try {
    const bounds = options.server ? { bounds: config.databaseBounds } : {};
    return { config, database: await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, ...bounds }) };
  } catch (err) {
    const { errorCause } = await import('../storage/error-cause.js');
    throw new UsageError(`cannot open the database ${await databaseNamed(config)}: ${errorCause(err).split('\n')[0]}`);
  }
}

const readOnly = (what: string) => new UsageError(`${what} is read-only; the server needs to write there`);

/** access(2) reports a read-only mount even to root, whom file modes do not stop. */
function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Which database a message is about, and the setting that chose it; never a password. */
async function databaseNamed(config: Config): Promise<string> {
  if (!config.databaseUrl) return `in PRODIMG_DATA_DIR (${config.dataDir})`;
  const { redactDatabaseUrl } = await import('../storage/redact-database-url.js');
  return `${redactDatabaseUrl(config.databaseUrl)} (DATABASE_URL)`;
}

/**
 * A server that cannot write would answer every write with a 500: refuse to start instead. SQLite:
 * the data directory and its database file; local image files: their folder; PostgreSQL: a
 * read-only session or a standby.
 */
export async function assertWritable(config: Config, database: Database): Promise<void> {
  if (database.dialect === 'sqlite' && (!writable(config.dataDir) || !writable(database.location))) {
    throw readOnly(`PRODIMG_DATA_DIR (${config.dataDir})`);
  }
  if (config.blobStore === 'local') {
    const images = join(config.dataDir, 'images');
    try {
      makeDirectory(images);
    } catch (err) {
      const { code, message } = err as NodeJS.ErrnoException;
      if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') throw readOnly(`PRODIMG_DATA_DIR (${config.dataDir})`);
      throw new UsageError(`PRODIMG_DATA_DIR (${config.dataDir}): cannot make ${images}: ${message}`);
    }
    if (!writable(images)) throw readOnly(`PRODIMG_DATA_DIR (${images})`);
  }
  if (database.dialect === 'postgres') {
    const { sql } = await import('kysely');
    const { rows } = await sql<{ read_only: string; standby: boolean }>`
      select current_setting('transaction_read_only') as read_only, pg_is_in_recovery() as standby`.execute(database.db);
    if (rows[0]?.read_only === 'on' || rows[0]?.standby) throw readOnly('the database at DATABASE_URL');
  }
}

/** Runs a command body with an open database, closing it whatever happens. */
export async function withDatabase<T>(body: (ctx: { config: Config; database: Database }) => Promise<T>): Promise<T> {
  const ctx = await openFromEnv();
  try {
    return await body(ctx);
  } finally {
    await ctx.database.close();
  }
}

/** Prints one line for an error and sets the exit code: 2 for usage and config, 1 otherwise. */
export function reportFailure(err: unknown): void {
  if (err instanceof UsageError) {
    process.stderr.write(`prodimg: ${err.message}\n`);
    process.exitCode = 2;
  } else if (err instanceof DomainError) {
    process.stderr.write(`prodimg: ${err.messages.join('; ') || err.code}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`prodimg: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 1;
  }
}

/** The secret box for this database (secret-box.ts); a key that cannot open its secrets is a one-line refusal, exit code 2. */
export async function openSecrets(config: Config, database: Database): Promise<SecretBox> {
  const { openSecretBox, SecretKeyError } = await import('../secret-box.js');
  try {
    return await openSecretBox(config, database);
  } catch (err) {
    if (err instanceof SecretKeyError) throw new UsageError(err.message);
    throw err;
  }
}

/** An option's whole number from 1 to `max`, or a one-line refusal naming the option. */
export function positiveInt(value: string, option: string, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) throw new UsageError(`${option} must be an integer from 1 to ${max}, got "${value}"`);
  return Number(value);
}
