import type { Command } from 'commander';
import type { AppService } from '../domain/app-service.js';
import type { Config } from '../config.js';
import type { Database } from '../storage/database.js';
import { openSecrets, withDatabase } from './context.js';

async function appService(config: Config, database: Database): Promise<AppService> {
  const [{ systemClock }, { AppService }, { createRepositories }, { oauthSettings }] = await Promise.all([
    import('../domain/clock.js'),
    import('../domain/app-service.js'),
    import('../storage/repositories.js'),
    import('../oauth-settings.js'),
  ]);
  const repos = createRepositories(database);
  return new AppService(repos.apps, repos.shops, repos.tokens, await openSecrets(config, database), systemClock, oauthSettings(config));
}

const withApps = <T>(body: (apps: AppService, config: Config) => Promise<T>) => withDatabase(async ({ config, database }) => body(await appService(config, database), config));
const print = (value: unknown, indent = 2): void => {
  process.stdout.write(`${JSON.stringify(value, null, indent)}\n`);
};

export function appsCommand(program: Command): void {
  const apps = program.command('apps').description('apps installed on stores through the OAuth flow');
  apps
    .command('create')
    .description('register an app; prints it as one line of JSON with its client_secret, shown only this once')
    .requiredOption('--name <name>', "the app's name, shown on the consent page")
    .requiredOption('--redirect-uri <url>', 'where the authorize step sends the merchant back, exactly as the app will ask')
    .option('--app-url <url>', 'where an install starts (see apps install-url)')
    .option('--scopes <list>', "the scopes it may ask for, comma-separated (default: every documented scope and PRODIMG_EXTRA_SCOPES)")
    .action((opts: { name: string; redirectUri: string; appUrl?: string; scopes?: string }) =>
      withApps(async (service) => {
        const scopes = opts.scopes?.split(',').map((s) => s.trim()).filter(Boolean);
        const { app, clientSecret } = await service.create({ name: opts.name, redirectUri: opts.redirectUri, ...(opts.appUrl ? { appUrl: opts.appUrl } : {}), ...(scopes ? { scopes } : {}) });
        print({ ...app, client_secret: clientSecret }, 0);
      }),
    );
  apps
    .command('list')
    .description('list the apps as JSON (never their secrets)')
    .action(() => withApps(async (service) => print(await service.list())));
  apps
    .command('delete <client-id>')
    .description('delete an app with every token it was issued, on every store')
    .action((clientId: string) =>
      withApps(async (service) => {
        await service.delete(clientId);
        print({ deleted: clientId });
      }),
    );
  apps
    .command('install-url')
    .description("print the call the platform makes to the app's URL to start an install on a store (hmac, install_from, shop, store_id)")
    .requiredOption('--app <client-id>', 'the app')
    .requiredOption('--shop <subdomain>', 'the store')
    .action((opts: { app: string; shop: string }) =>
      withApps(async (service) => {
        process.stdout.write(`${await service.installUrl(opts.app, opts.shop)}\n`);
      }),
    );
  apps
    .command('uninstall')
    .description("uninstall an app from a store: its tokens and refresh tokens stop working at once (on other servers within PRODIMG_AUTH_CACHE_MS)")
    .requiredOption('--app <client-id>', 'the app')
    .requiredOption('--shop <subdomain>', 'the store')
    .action((opts: { app: string; shop: string }) =>
      withDatabase(async ({ config, database }) => {
        const [{ announceUninstall }, { systemClock }] = await Promise.all([import('./app-uninstalled.js'), import('../domain/clock.js')]);
        const revoked = await (await appService(config, database)).uninstall(opts.app, opts.shop, announceUninstall(database, config.baseDomain, systemClock));
        print({ uninstalled: opts.app, shop: opts.shop, revoked_tokens: revoked });
      }),
    );
}
