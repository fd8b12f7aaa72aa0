import type { Command } from 'commander';
import { configFromEnv, UsageError } from './context.js';

/** `prodimg openapi [--version V] [--port P]`: the OpenAPI document the server serves at /openapi.json, on stdout. */
export function openapiCommand(program: Command): void {
  program
    .command('openapi')
    .description('print the OpenAPI 3.1 document of an API version (the newest by default), as /openapi.json serves it')
    .option('--version <version>', 'the API version, e.g. 2022-01')
    .option('--port <port>', 'the port in the document\'s server URLs', '8080')
    .action(async (opts: { version?: string; port: string }) => {
      const config = configFromEnv();
      const { NEWEST_VERSION, openApiDocument, servedVersion } = await import('../contract/openapi-document.js');
      const { API_VERSIONS } = await import('../contract/versions.js');
      const version = opts.version === undefined ? NEWEST_VERSION : servedVersion(opts.version);
      if (!version) throw new UsageError(`--version must be one of ${API_VERSIONS.map((served) => served.name).join(', ')}, got "${opts.version}"`);
      if (!/^\d+$/.test(opts.port) || Number(opts.port) > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got "${opts.port}"`);
      const document = openApiDocument(version, { baseDomain: config.baseDomain, port: Number(opts.port), bodyLimit: config.bodyLimit });
      process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    });
}
