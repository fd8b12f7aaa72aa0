import type { Command } from 'commander';
import pino from 'pino';
import { buildApp } from '../server/build-app.js';
import { openFromEnv, UsageError } from './context.js';

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got "${value}"`);
  return port;
}

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run the API server (one log line per request)')
    .option('--port <port>', 'port to listen on', '8080')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .action(async (opts: { port: string; host: string }) => {
      const port = parsePort(opts.port);
      const { config, database } = await openFromEnv();
      const logger = pino({ level: config.logLevel });
      const app = await buildApp({ config, database, logger });
      let closing = false;
      const shutdown = async (signal: string) => {
        if (closing) return;
        closing = true;
        logger.info({ signal }, 'shutting down: finishing in-flight requests');
        await app.close();
        await database.close();
        logger.info('stopped');
      };
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
      process.once('SIGINT', () => void shutdown('SIGINT'));
      const address = await app.listen({ port, host: opts.host });
      logger.info({ address, database: database.dialect, location: database.location, baseDomain: config.baseDomain }, 'prodimg listening');
    });
}
