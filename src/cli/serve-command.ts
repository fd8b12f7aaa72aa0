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
      // Until PRODIMG_CDN_HOST says otherwise, stored images are served from this server's own /cdn.
      let publicAddress = `${opts.host}:${port}`;
      const app = await buildApp({ config, database, logger, publicAddress: () => publicAddress });
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
      const bound = app.server.address();
      if (bound && typeof bound === 'object') publicAddress = `${reachableHost(bound.address)}:${bound.port}`;
      logger.info({ address, database: database.dialect, location: database.location, baseDomain: config.baseDomain }, 'prodimg listening');
    });
}

/** A wildcard bind is reached through loopback from this machine; other machines need PRODIMG_CDN_HOST. */
function reachableHost(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return address.includes(':') ? `[${address}]` : address;
}
