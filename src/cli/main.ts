import { Command, CommanderError } from 'commander';
import { reportFailure } from './context.js';
import { gcCommand } from './gc-command.js';
import { seedCommand } from './seed-command.js';
import { serveCommand } from './serve-command.js';
import { shopsCommand, tokensCommand } from './shops-command.js';

const ENVIRONMENT = `
Environment:
  PRODIMG_DATA_DIR     where the SQLite file and images live (default ./data)
  DATABASE_URL         postgres://... to use PostgreSQL instead of SQLite
  PRODIMG_BASE_DOMAIN  requests to <store>.<base domain> must use that store's token
                       (default myshoplaza.localhost)
  PRODIMG_LOG_LEVEL    fatal, error, warn, info (default), debug, trace or silent
  PRODIMG_INGEST       fetch (default: download, measure, store each src) or off
  PRODIMG_CDN_HOST     host[:port][/path] stored images are served from (default: this server, /cdn)
  PRODIMG_ALLOW_PRIVATE_SOURCES  1 lets src point at private addresses (local development only)
  PRODIMG_MAX_SOURCE_MB, PRODIMG_MAX_MEGAPIXELS  download and image size limits (20, 50)
  PRODIMG_FETCH_CONNECT_TIMEOUT_MS, PRODIMG_FETCH_TIMEOUT_MS  (10000, 30000)
  PRODIMG_BLOB_STORE   local (files under the data dir) or database (default with DATABASE_URL)
  PRODIMG_VARIANT_SIZES  allowed resize widths/heights, comma-separated
A bad value is reported in one line and the command exits with code 2.`;

export function createProgram(): Command {
  const program = new Command('prodimg')
    .description('Self-hosted product image service speaking the store platform admin OpenAPI')
    .addHelpText('after', ENVIRONMENT)
    .showHelpAfterError()
    .exitOverride();
  serveCommand(program);
  shopsCommand(program);
  tokensCommand(program);
  gcCommand(program);
  seedCommand(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

try {
  await createProgram().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here with code 0; usage mistakes with 2.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    reportFailure(err);
  }
}
