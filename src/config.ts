import { resolve } from 'node:path';

/** Settings read once at start-up from the environment, checked, then frozen. */
export interface Config {
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly baseDomain: string;
  readonly logLevel: string;
  readonly bodyLimit: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = env.PRODIMG_DATA_DIR ?? './data';
  if (dataDir.trim() === '' || dataDir.includes('\0')) throw new ConfigError('PRODIMG_DATA_DIR must be a directory path');

  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined) {
    let ok = false;
    try {
      const url = new URL(databaseUrl);
      ok = (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
    } catch {
      ok = false;
    }
    if (!ok) throw new ConfigError('DATABASE_URL must be a PostgreSQL URL like postgres://user@host:5432/dbname');
  }

  const baseDomain = (env.PRODIMG_BASE_DOMAIN ?? 'myshoplaza.localhost').toLowerCase();
  if (!HOSTNAME.test(baseDomain)) throw new ConfigError(`PRODIMG_BASE_DOMAIN must be a domain name, got "${baseDomain}"`);

  const logLevel = env.PRODIMG_LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`PRODIMG_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  return Object.freeze({ dataDir: resolve(dataDir), databaseUrl, baseDomain, logLevel, bodyLimit: 1024 * 1024 });
}
