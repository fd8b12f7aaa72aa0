import { type Config, ConfigError, loadConfig } from '../config.js';
import { DomainError } from '../domain/errors.js';
import { type Database, openDatabase } from '../storage/database.js';

/** Thrown for anything the user must fix before the command can run: exit code 2, one line. */
export class UsageError extends Error {}

export async function openFromEnv(): Promise<{ config: Config; database: Database }> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  try {
    return { config, database: await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }) };
  } catch (err) {
    const where = config.databaseUrl ? 'DATABASE_URL' : `PRODIMG_DATA_DIR (${config.dataDir})`;
    throw new UsageError(`cannot open the database from ${where}: ${(err as Error).message.split('\n')[0]}`);
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
