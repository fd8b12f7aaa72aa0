import { Command } from 'commander';
import { DEFAULT_VARIANT_SIZES } from '../config.js';
import { auditCommand } from './audit-command.js';
import { backupCommand, restoreCommand } from './backup-command.js';
import { blobsCommand } from './blobs-command.js';
import { gcCommand } from './gc-command.js';
import { importCommand } from './import-command.js';
import { exportCommand } from './export-command.js';
import { mirrorCommand } from './mirror-command.js';
import { openapiCommand } from './openapi-command.js';
import { seedCommand } from './seed-command.js';
import { serveCommand } from './serve-command.js';
import { adminKeyCommand } from './admin-key-command.js';
import { appsCommand } from './apps-command.js';
import { shopsCommand, tokensCommand } from './shops-command.js';
import { VERSION } from './version.js';
import { webhooksCommand } from './webhooks-command.js';

/** Every setting config.ts reads, with its default; test/cli/help.test.ts keeps the list complete. */
const ENVIRONMENT = `
Environment (checked at start; the default in brackets):
  PRODIMG_DATA_DIR                  where the SQLite files and local images live [./data]
  DATABASE_URL                      postgres://... to use PostgreSQL instead of SQLite [unset]
  PRODIMG_DB_ACQUIRE_TIMEOUT_MS     server: longest wait for a database connection before a 503
                                    [10000]
  PRODIMG_DB_LOCK_TIMEOUT_MS        server: longest wait for a lock another session holds before
                                    a 503 (SQLite's busy_timeout) [5000]
  PRODIMG_DB_STATEMENT_TIMEOUT_MS   server: longest PostgreSQL statement before a 503 [60000]
  PRODIMG_BASE_DOMAIN               requests to <store>.<base domain> must use that store's token
                                    [myshoplaza.localhost]
  PRODIMG_LOG_LEVEL                 fatal, error, warn, info, debug, trace or silent [info]
  PRODIMG_INGEST                    fetch: download, check, measure and store each src; off: keep
                                    src and sizes as sent [fetch]
  PRODIMG_CDN_HOST                  host[:port][/path] stored images are served from
                                    [unset: the request's Host + /cdn]
  PRODIMG_PUBLIC_URL                where clients reach this server, e.g. https://prodimg.example.com:
                                    src URLs made without a request's Host use it [unset: the
                                    listen address]
  PRODIMG_CORS_ORIGINS              origins whose browser pages may call the API, comma-separated,
                                    or * [unset: this server's own origins]
  PRODIMG_ALLOW_PRIVATE_SOURCES     1 lets src and webhook addresses point at private addresses,
                                    for local development [0]
  PRODIMG_METRICS_TOKEN             when set, GET /metrics needs Authorization: Bearer <token>
                                    [unset]
  PRODIMG_MAX_SOURCE_MB             largest download, in MiB [20]
  PRODIMG_MAX_MEGAPIXELS            largest image, in megapixels [50]
  PRODIMG_FETCH_CONNECT_TIMEOUT_MS  time to connect to a source [10000]
  PRODIMG_FETCH_TIMEOUT_MS          time for a whole download, redirects included [30000]
  PRODIMG_BLOB_STORE                local (files under the data dir), database (the blobs table)
                                    or s3 (a bucket) [local; database with DATABASE_URL]
  PRODIMG_S3_BUCKET                 the bucket of PRODIMG_BLOB_STORE=s3; its endpoint and keys
                                    are the AWS SDK's settings (AWS_ENDPOINT_URL_S3,
                                    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) [unset]
  AWS_REGION                        the bucket's region, needed with PRODIMG_S3_BUCKET unless the
                                    AWS profile has one; any name, e.g. us-east-1, for Ceph RGW or
                                    MinIO [unset]
  PRODIMG_S3_PREFIX                 put before every key, e.g. images/ [unset]
  PRODIMG_S3_FORCE_PATH_STYLE       1: <endpoint>/<bucket>/<key> addresses, which Ceph RGW and
                                    MinIO need [0]
  PRODIMG_VARIANT_SIZES             the only widths/heights variants are made at, comma-separated
                                    [${DEFAULT_VARIANT_SIZES}]
  PRODIMG_AUTH_CACHE_MS             how long a checked token is trusted; 0 turns it off [1000]
  PRODIMG_READ_CACHE                on: keep image reads in memory and answer repeated ones before
                                    the router; off: every read from the database [on]
  PRODIMG_BLOB_CACHE_MB             memory for recently served files up to 1 MiB; 0 turns it off [64]
  PRODIMG_RENDER_CONCURRENCY        variant renders at once, and decode checks of downloads at once
                                    [the number of cores]
  PRODIMG_RENDER_QUEUE              renders that may wait for a slot; one more is a 503 [64]
  PRODIMG_RENDER_QUEUE_WAIT_MS      longest wait for a render slot before a 503 [10000]
  PRODIMG_INGEST_CONCURRENCY        src downloads at once, all requests together; each may hold
                                    PRODIMG_MAX_SOURCE_MB in memory [4]
  PRODIMG_INGEST_QUEUE              downloads that may wait for a slot; one more is a 503 [512]
  PRODIMG_INGEST_QUEUE_WAIT_MS      longest wait for a download slot before a 503 [15000]
  PRODIMG_INGEST_KEEP_MB            memory for checked files waiting for their request to commit,
                                    all requests together; beyond it they wait in the data dir's
                                    spool; 0: always there [INGEST_CONCURRENCY x MAX_SOURCE_MB]
  PRODIMG_STARTUP_SWEEP             1: remove files a crash left unreferenced, in the background
                                    after start-up; 0: do not [1]
  PRODIMG_RATE_LIMIT                leaky buckets of --rate-limited tokens, capacity/leak per
                                    second, or off [app:40/2,store:80/20]
  REDIS_URL                         redis://host:port: rate-limit buckets shared by every server
                                    using it; unset: in each server's memory [unset]
  PRODIMG_SECRET_KEY                64 hex digits sealing secrets at rest; servers sharing a
                                    database share it [unset: <data dir>/secret.key, made once]
  PRODIMG_OAUTH_AUTO_APPROVE        1: the OAuth authorize step approves at once, no sign-in:
                                    any registered app installs itself (warned at start-up) [0]
  PRODIMG_OAUTH_TOKEN_TTL_SECONDS   how long an access token issued by the OAuth flow works [86400]
  PRODIMG_EXTRA_SCOPES              comma-separated scopes beyond the platform's documented ones
                                    that apps may register and tokens carry [unset]
  PRODIMG_WEBHOOK_RETRY_MS          delay before a failed webhook delivery's first retry; later
                                    ones wait 3, 9, 30, 120, 360, 720x as long [5000]
  PRODIMG_WEBHOOK_MAX_ATTEMPTS      attempts before a delivery is marked failed [8]
  PRODIMG_WEBHOOK_TIMEOUT_MS        time for one delivery attempt [10000]
  PRODIMG_WEBHOOK_SLOTS             delivery attempts one server makes at once [32]
  PRODIMG_WEBHOOK_STORE_IN_FLIGHT   attempts in flight at once for one store, all servers [4]
  PRODIMG_WEBHOOK_ADDRESS_IN_FLIGHT attempts in flight at once to one address, all servers [2]
  PRODIMG_AUDIT_MIN_SIDE            prodimg audit: images whose shortest side is under this many
                                    px are too small for zoom [800]
  PRODIMG_WORKER_RESTART_MS         serve --workers: delay before a dead worker is started again;
                                    doubled for each death in the window [1000]
  PRODIMG_WORKER_RESTART_MAX_MS     the longest such delay [30000]
  PRODIMG_WORKER_MAX_DEATHS         worker deaths tolerated within the window; one more and the
                                    primary stops the others and exits [5]
  PRODIMG_WORKER_DEATHS_WINDOW_MS   the window deaths are counted in [60000]
A bad value is reported in one line and the command exits with code 2.`;

/** Each command imports what it runs only when it runs: `--help` or `tokens create` load no server. */
export function createProgram(): Command {
  const program = new Command('prodimg')
    .description('Self-hosted product image service speaking the store platform admin OpenAPI')
    .version(VERSION, '-V, --version', 'print the version')
    .addHelpText('after', ENVIRONMENT)
    .showHelpAfterError()
    // Options after a command are that command's: `prodimg openapi --version 2022-01`.
    .enablePositionalOptions()
    .exitOverride();
  serveCommand(program);
  shopsCommand(program);
  tokensCommand(program);
  appsCommand(program);
  adminKeyCommand(program);
  webhooksCommand(program);
  gcCommand(program);
  blobsCommand(program);
  auditCommand(program);
  importCommand(program);
  exportCommand(program);
  backupCommand(program);
  restoreCommand(program);
  mirrorCommand(program);
  seedCommand(program);
  openapiCommand(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}
