import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { awsProfileRegion } from './aws-profile-region.js';
import { DEFAULT_MIN_SIDE } from './domain/image-audit.js';
import { SCOPE_NAME } from './domain/scopes.js';
import { parseRateLimits, type RateLimitSettings } from './rate-limit-settings.js';
import type { DatabaseBounds } from './storage/database-bounds.js';

/** Settings read once at start-up from the environment, checked, then frozen. */
export interface Config {
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  /** How long the server waits for a connection, a lock and a statement before answering 503 (storage/database-bounds.ts). */
  readonly databaseBounds: DatabaseBounds;
  readonly baseDomain: string;
  readonly logLevel: string;
  readonly bodyLimit: number;
  /** fetch: download, measure and store each src; off: keep src and sizes as sent (offline stand-in). */
  readonly ingest: 'fetch' | 'off';
  /** Host (and optional path) that stored files are served from; unset: this server's own /cdn. */
  readonly cdnHost: string | undefined;
  /**
   * Where clients reach this server (`https://prodimg.example.com`), as `//host[:port][/path]`: the
   * base of `src` URLs made without a request's Host, when PRODIMG_CDN_HOST is unset.
   */
  readonly publicUrl: string | undefined;
  /**
   * Origins whose browser pages may call the API (CORS): a list of `scheme://host[:port]`, or '*'
   * for any; undefined: this server's own origins (server/cors.ts).
   */
  readonly corsOrigins: readonly string[] | '*' | undefined;
  readonly allowPrivateSources: boolean;
  /** When set, GET /metrics needs `Authorization: Bearer <it>`; unset: open. */
  readonly metricsToken: string | undefined;
  readonly maxSourceBytes: number;
  readonly maxPixels: number;
  readonly fetchConnectTimeoutMs: number;
  readonly fetchTimeoutMs: number;
  /** local: files under dataDir/images; database: the blobs table (shared by servers on one PostgreSQL); s3: a bucket. */
  readonly blobStore: 'local' | 'database' | 's3';
  /**
   * The bucket of PRODIMG_BLOB_STORE=s3 (or of `blobs migrate --to s3`, set whenever PRODIMG_S3_BUCKET is), a key prefix ('' or ending in `/`) and path-style addressing;
   * endpoint, region and keys are the AWS SDK's own settings (AWS_*), read by the SDK. Unset otherwise.
   */
  readonly s3: { readonly bucket: string; readonly prefix: string; readonly forcePathStyle: boolean } | undefined;
  /** The only widths/heights resized variants may be made at. */
  readonly variantSizes: readonly number[];
  /** How long a server trusts a token it has checked; also how late a deactivation elsewhere applies. 0: never. */
  readonly authCacheMs: number;
  /** Keep image reads in memory and answer repeated ones before the router (server/fast-read); off: every read goes to the database through the router. */
  readonly readCache: boolean;
  /** Remove files left unreferenced by a crash, in the background after start-up. */
  readonly startupSweep: boolean;
  /** Memory for recently served small files (originals and variants), in bytes. */
  readonly blobCacheBytes: number;
  /** sharp work at once (variant renders; separately, decode checks of downloads), and how many renders may wait before a 503. */
  readonly renderConcurrency: number;
  readonly renderQueue: number;
  readonly renderQueueWaitMs: number;
  /** Downloads (with their check and decode) at once, for all requests together; how many may wait; how long. */
  readonly ingestConcurrency: number;
  readonly ingestQueue: number;
  readonly ingestQueueWaitMs: number;
  /** The leaky buckets of app tokens and `--rate-limited` CLI tokens; null: off. */
  readonly rateLimits: RateLimitSettings | null;
  /** redis://...: rate-limit buckets shared by every server using it; unset: in each server's memory. */
  readonly redisUrl: string | undefined;
  /** 64 hex digits sealing secrets at rest (secret-box.ts); unset: the data directory's key file. */
  readonly secretKey: string | undefined;
  /**
   * The OAuth install flow: approve every authorize request at once (app test suites), how long
   * issued access tokens work, and scopes newer than the documented ones that apps may register and
   * tokens may carry.
   */
  readonly oauth: { readonly autoApprove: boolean; readonly accessTokenTtlMs: number; readonly extraScopes: readonly string[] };
  /**
   * Memory for checked files waiting for their request's rows to commit, all requests together, in
   * bytes; beyond it they wait in `<dataDir>/spool` (imaging/kept-bytes.ts). 0: always there.
   */
  readonly ingestKeepBytes: number;
  /** Webhook deliveries: the first retry's delay (later ones are multiples, server/webhooks/retry-schedule.ts), also how often due ones are looked for (at most every second). */
  readonly webhookRetryMs: number;
  /** Attempts of one delivery before it is marked failed. */
  readonly webhookMaxAttempts: number;
  /** Time for one delivery attempt, connection included. */
  readonly webhookTimeoutMs: number;
  /** Delivery attempts one process makes at once: slots refilled as each attempt ends. */
  readonly webhookSlots: number;
  /** Attempts in flight at once for one store, and to one address, every process together (a store's hanging receivers hold no more). */
  readonly webhookStoreInFlight: number;
  readonly webhookAddressInFlight: number;
  /** `prodimg audit`: an image whose shortest side is under this many px is too small for zoom. */
  readonly auditMinSide: number;
  readonly workerRestarts: RestartSettings;
}

/** How the primary of `serve --workers N` starts dead workers again, and when it gives up (cli/restart-policy.ts). */
export interface RestartSettings {
  /** Delay before starting a worker again after the only death in the window. */
  readonly baseMs: number;
  /** The delay doubles with each death in the window, up to this. */
  readonly maxMs: number;
  /** Deaths tolerated within the window; one more and the primary stops the other workers and exits. */
  readonly maxDeaths: number;
  readonly windowMs: number;
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

  const ingest = oneOf(env, 'PRODIMG_INGEST', ['fetch', 'off'] as const, 'fetch');
  const cdnHost = env.PRODIMG_CDN_HOST || undefined;
  if (cdnHost !== undefined && !/^[a-z0-9.-]+(:\d{1,5})?(\/[\w./-]*)?$/i.test(cdnHost)) {
    throw new ConfigError(`PRODIMG_CDN_HOST must be a host name with an optional port and path, like cdn.example.com or 127.0.0.1:8080/cdn; got "${cdnHost}"`);
  }
  const publicUrl = checkedPublicUrl(env.PRODIMG_PUBLIC_URL || undefined);
  const corsOrigins = checkedCorsOrigins(env.PRODIMG_CORS_ORIGINS || undefined);
  const allowPrivateSources = oneOf(env, 'PRODIMG_ALLOW_PRIVATE_SOURCES', ['0', '1'] as const, '0') === '1';
  const blobStore = oneOf(env, 'PRODIMG_BLOB_STORE', ['local', 'database', 's3'] as const, databaseUrl ? 'database' : 'local');
  const s3 = checkedS3(env, blobStore);
  const sizes = (env.PRODIMG_VARIANT_SIZES ?? DEFAULT_VARIANT_SIZES).split(',').map((part) => part.trim());
  if (sizes.length === 0 || !sizes.every((size) => /^\d+$/.test(size) && Number(size) >= 1 && Number(size) <= 8192)) {
    throw new ConfigError('PRODIMG_VARIANT_SIZES must be a comma-separated list of sizes from 1 to 8192');
  }

  let rateLimits: RateLimitSettings | null;
  try {
    rateLimits = parseRateLimits(env.PRODIMG_RATE_LIMIT || 'app:40/2,store:80/20');
  } catch (error) {
    throw new ConfigError(`PRODIMG_RATE_LIMIT must be "off" or like app:40/2,store:80/20 (capacity/leak per second): ${(error as Error).message}`);
  }
  const secretKey = env.PRODIMG_SECRET_KEY || undefined;
  if (secretKey !== undefined && !/^[0-9a-f]{64}$/i.test(secretKey)) throw new ConfigError('PRODIMG_SECRET_KEY must be 64 hex digits (a 32-byte key), e.g. from `openssl rand -hex 32`');
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\/[^\s]+$/.test(redisUrl)) throw new ConfigError(`REDIS_URL must be a Redis URL like redis://127.0.0.1:6379; got "${redisUrl}"`);
  const metricsToken = env.PRODIMG_METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && !/^[\x21-\x7e]{16,}$/.test(metricsToken)) throw new ConfigError('PRODIMG_METRICS_TOKEN must be at least 16 printable characters without spaces, e.g. from `openssl rand -hex 16`');
  const maxSourceMb = positiveInt(env, 'PRODIMG_MAX_SOURCE_MB', 20, 4096);
  const ingestConcurrency = positiveInt(env, 'PRODIMG_INGEST_CONCURRENCY', 4, 256);
  const workerRestartMs = positiveInt(env, 'PRODIMG_WORKER_RESTART_MS', 1000, 3_600_000);
  const workerRestartMaxMs = positiveInt(env, 'PRODIMG_WORKER_RESTART_MAX_MS', Math.max(30_000, workerRestartMs), 3_600_000);
  if (workerRestartMaxMs < workerRestartMs) throw new ConfigError(`PRODIMG_WORKER_RESTART_MAX_MS must be at least PRODIMG_WORKER_RESTART_MS (${workerRestartMs}); got "${workerRestartMaxMs}"`);

  return Object.freeze({
    dataDir: resolve(dataDir),
    databaseUrl,
    databaseBounds: Object.freeze({
      acquireTimeoutMs: positiveInt(env, 'PRODIMG_DB_ACQUIRE_TIMEOUT_MS', 10_000, 600_000),
      lockTimeoutMs: positiveInt(env, 'PRODIMG_DB_LOCK_TIMEOUT_MS', 5000, 600_000),
      statementTimeoutMs: positiveInt(env, 'PRODIMG_DB_STATEMENT_TIMEOUT_MS', 60_000, 3_600_000),
    }),
    baseDomain,
    logLevel,
    bodyLimit: 1024 * 1024,
    ingest,
    cdnHost: cdnHost?.replace(/\/+$/, ''),
    publicUrl,
    corsOrigins,
    allowPrivateSources,
    metricsToken,
    maxSourceBytes: maxSourceMb * 1024 * 1024,
    maxPixels: positiveInt(env, 'PRODIMG_MAX_MEGAPIXELS', 50, 1000) * 1_000_000,
    fetchConnectTimeoutMs: positiveInt(env, 'PRODIMG_FETCH_CONNECT_TIMEOUT_MS', 10_000, 600_000),
    fetchTimeoutMs: positiveInt(env, 'PRODIMG_FETCH_TIMEOUT_MS', 30_000, 3_600_000),
    blobStore,
    s3,
    variantSizes: Object.freeze([...new Set(sizes.map(Number))].sort((a, b) => a - b)),
    blobCacheBytes: positiveInt(env, 'PRODIMG_BLOB_CACHE_MB', 64, 65_536, 0) * 1024 * 1024,
    readCache: oneOf(env, 'PRODIMG_READ_CACHE', ['on', 'off'] as const, 'on') === 'on',
    startupSweep: oneOf(env, 'PRODIMG_STARTUP_SWEEP', ['0', '1'] as const, '1') === '1',
    renderConcurrency: positiveInt(env, 'PRODIMG_RENDER_CONCURRENCY', availableParallelism(), 256),
    renderQueue: positiveInt(env, 'PRODIMG_RENDER_QUEUE', 64, 100_000),
    renderQueueWaitMs: positiveInt(env, 'PRODIMG_RENDER_QUEUE_WAIT_MS', 10_000, 3_600_000),
    ingestConcurrency,
    ingestQueue: positiveInt(env, 'PRODIMG_INGEST_QUEUE', 512, 100_000),
    ingestQueueWaitMs: positiveInt(env, 'PRODIMG_INGEST_QUEUE_WAIT_MS', 15_000, 3_600_000),
    // By default as much as the downloads in flight may hold: ingestion's memory is at most twice that.
    ingestKeepBytes: positiveInt(env, 'PRODIMG_INGEST_KEEP_MB', ingestConcurrency * maxSourceMb, 1_048_576, 0) * 1024 * 1024,
    authCacheMs: positiveInt(env, 'PRODIMG_AUTH_CACHE_MS', 1000, 3_600_000, 0),
    rateLimits,
    redisUrl,
    secretKey,
    oauth: Object.freeze({
      autoApprove: oneOf(env, 'PRODIMG_OAUTH_AUTO_APPROVE', ['0', '1'] as const, '0') === '1',
      accessTokenTtlMs: positiveInt(env, 'PRODIMG_OAUTH_TOKEN_TTL_SECONDS', 86_400, 31_536_000) * 1000,
      extraScopes: checkedExtraScopes(env.PRODIMG_EXTRA_SCOPES || undefined),
    }),
    webhookRetryMs: positiveInt(env, 'PRODIMG_WEBHOOK_RETRY_MS', 5000, 3_600_000),
    webhookMaxAttempts: positiveInt(env, 'PRODIMG_WEBHOOK_MAX_ATTEMPTS', 8, 100),
    webhookTimeoutMs: positiveInt(env, 'PRODIMG_WEBHOOK_TIMEOUT_MS', 10_000, 600_000),
    webhookSlots: positiveInt(env, 'PRODIMG_WEBHOOK_SLOTS', 32, 1024),
    webhookStoreInFlight: positiveInt(env, 'PRODIMG_WEBHOOK_STORE_IN_FLIGHT', 4, 1024),
    webhookAddressInFlight: positiveInt(env, 'PRODIMG_WEBHOOK_ADDRESS_IN_FLIGHT', 2, 1024),
    auditMinSide: positiveInt(env, 'PRODIMG_AUDIT_MIN_SIDE', DEFAULT_MIN_SIDE, 65_535),
    workerRestarts: Object.freeze({
      baseMs: workerRestartMs,
      maxMs: workerRestartMaxMs,
      maxDeaths: positiveInt(env, 'PRODIMG_WORKER_MAX_DEATHS', 5, 1000),
      windowMs: positiveInt(env, 'PRODIMG_WORKER_DEATHS_WINDOW_MS', 60_000, 86_400_000),
    }),
  });
}

/**
 * Every kind of image store prodimg knows; `prodimg blobs migrate --to` takes any, and
 * open-blob-store.ts opens each (or says this build cannot).
 */
export const BLOB_STORE_KINDS = ['local', 'database', 's3'] as const;
export type BlobStoreKind = (typeof BLOB_STORE_KINDS)[number];

export const DEFAULT_VARIANT_SIZES = '100,160,240,320,400,480,600,800,1024,1200,1600,2048';

function checkedPublicUrl(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username) {
    throw new ConfigError(`PRODIMG_PUBLIC_URL must be an http(s) URL without query, like https://prodimg.example.com; got "${raw}"`);
  }
  return `//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** S3's rules for bucket names (3-63 lower-case letters, digits, dots and hyphens). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KEY_PREFIX = /^[A-Za-z0-9!_.*'()/-]*$/;
/** The AWS SDK's own check of a region (a host label: it becomes part of the endpoint's name). */
const REGION = /^(?!-)(?!.*-$)[A-Za-z0-9-]{1,63}$/;

/**
 * The S3 settings, checked whenever they are set (a bad one is refused even while unused); the
 * bucket must be named when PRODIMG_BLOB_STORE=s3, and a region given whenever a bucket is. Endpoint,
 * region and keys are the SDK's to read.
 */
function checkedS3(env: NodeJS.ProcessEnv, blobStore: Config['blobStore']): Config['s3'] {
  const bucket = env.PRODIMG_S3_BUCKET || '';
  if (bucket !== '' && !BUCKET.test(bucket)) throw new ConfigError(`PRODIMG_S3_BUCKET must be a bucket name (3-63 lower-case letters, digits, dots and hyphens); got "${bucket}"`);
  let prefix = env.PRODIMG_S3_PREFIX ?? '';
  if (!KEY_PREFIX.test(prefix) || prefix.startsWith('/') || prefix.includes('//') || prefix.length > 200) {
    throw new ConfigError(`PRODIMG_S3_PREFIX must be a key prefix like images/ (letters, digits and !_.*'()/-, not starting with /); got "${prefix}"`);
  }
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  const forcePathStyle = oneOf(env, 'PRODIMG_S3_FORCE_PATH_STYLE', ['0', '1'] as const, '0') === '1';
  // Read by the AWS SDK, not by us; checked here so a missing one is refused at start, not a 500 on first use.
  const region = env.AWS_REGION || '';
  if (region !== '' && !REGION.test(region)) throw new ConfigError(`AWS_REGION must be a region name like eu-west-1 (letters, digits and hyphens); got "${region}"`);
  if (bucket === '') {
    if (blobStore !== 's3') return undefined;
    throw new ConfigError(
      "PRODIMG_BLOB_STORE=s3 needs PRODIMG_S3_BUCKET, the name of an existing bucket; the endpoint, region and keys are the AWS SDK's settings (AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)",
    );
  }
  if (region === '' && awsProfileRegion(env) === undefined) {
    throw new ConfigError(
      'the S3 store (PRODIMG_S3_BUCKET) needs AWS_REGION, or a region in the AWS profile: set it to the bucket\'s region, or for an on-premises store (Ceph RGW, MinIO) to any name, such as us-east-1 (the AWS SDK does not read AWS_DEFAULT_REGION)',
    );
  }
  return Object.freeze({ bucket, prefix, forcePathStyle });
}

function checkedCorsOrigins(raw: string | undefined): readonly string[] | '*' | undefined {
  if (raw === undefined) return undefined;
  if (raw.trim() === '*') return '*';
  const origins = raw.split(',').map((part) => part.trim()).filter(Boolean);
  for (const origin of origins) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin.toLowerCase().replace(/\/$/, '')) {
      throw new ConfigError(`PRODIMG_CORS_ORIGINS must be * or a comma-separated list of origins like https://app.example.com; got "${origin}"`);
    }
  }
  return Object.freeze(origins.map((origin) => new URL(origin).origin));
}

function checkedExtraScopes(raw: string | undefined): readonly string[] {
  if (raw === undefined) return Object.freeze([]);
  const scopes = raw.split(',').map((part) => part.trim()).filter(Boolean);
  const bad = scopes.find((scope) => !SCOPE_NAME.test(scope));
  if (bad !== undefined) throw new ConfigError(`PRODIMG_EXTRA_SCOPES must be a comma-separated list of scope names like write_cart_transform (read_ or write_, then lower-case letters and _); got "${bad}"`);
  return Object.freeze([...new Set(scopes)]);
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: T): T {
  const value = env[name] || fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}; got "${value}"`);
  return value as T;
}

/** `min` is 0 for the settings where 0 turns something off; the message names the range accepted. */
function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}; got "${raw}"`);
  return Number(raw);
}
