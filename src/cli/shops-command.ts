import type { Command } from 'commander';
import { type Scope, SCOPES } from '../domain/scopes.js';
import type { NewShop, ShopService } from '../domain/shop-service.js';
import type { Database } from '../storage/database.js';
import { withDatabase } from './context.js';
import { webhookSecretCommand } from './webhooks-command.js';

/** `extraScopes`: PRODIMG_EXTRA_SCOPES, for the tokens it creates. */
async function shopService(database: Database, extraScopes: readonly string[] = []): Promise<ShopService> {
  const [{ systemClock }, { ShopService }, { createRepositories }] = await Promise.all([
    import('../domain/clock.js'),
    import('../domain/shop-service.js'),
    import('../storage/repositories.js'),
  ]);
  const repos = createRepositories(database);
  return new ShopService(repos.shops, repos.tokens, systemClock, extraScopes);
}

/** A new token's scopes unless --scopes says: those of the product, image, variant and shop endpoints. */
const DEFAULT_TOKEN_SCOPES: readonly Scope[] = ['read_product', 'write_product', 'read_shop'];

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

export function shopsCommand(program: Command): void {
  const shops = program.command('shops').description('create, list, activate, deactivate and delete stores');
  shops
    .command('create <subdomain>')
    .description('create a store; prints it as JSON')
    .option('--name <name>', 'display name (default: the subdomain)')
    .option('--email <address>', "the store's contact address (default: none)")
    .option('--currency <code>', 'ISO 4217 currency code (default: USD)')
    .option('--timezone <offset>', 'UTC offset such as +0800 or -05:30 (default: +0000)')
    .option('--if-not-exists', 'when the store exists already, print it and succeed (it is left as it is)')
    .action((subdomain: string, opts: NewShop & { ifNotExists?: boolean }) =>
      withDatabase(async ({ database }) => {
        const service = await shopService(database);
        const { ifNotExists, ...given } = opts;
        print(ifNotExists ? await service.ensure(subdomain, given) : await service.create(subdomain, given));
      }),
    );
  shops
    .command('list')
    .description('list all stores as JSON')
    .action(() => withDatabase(async ({ database }) => print(await (await shopService(database)).list())));
  shops
    .command('deactivate <subdomain>')
    .description('deactivate a store: its tokens get 401 {"error":"store is not active"}')
    .action((subdomain: string) => withDatabase(async ({ database }) => print(await (await shopService(database)).setActive(subdomain, false))));
  shops
    .command('activate <subdomain>')
    .description('activate a store again')
    .action((subdomain: string) => withDatabase(async ({ database }) => print(await (await shopService(database)).setActive(subdomain, true))));
  shops
    .command('delete <subdomain>')
    .description('delete a store with its products, images and tokens; files no image uses any more are removed')
    .action((subdomain: string) =>
      withDatabase(async ({ config, database }) => {
        const [{ createImageFiles }, { openBlobStore }, { createRepositories }] = await Promise.all([
          import('../imaging/image-files.js'),
          import('../open-blob-store.js'),
          import('../storage/repositories.js'),
        ]);
        const images = createRepositories(database).images;
        const files = createImageFiles(openBlobStore(config, database), (path) => images.isPathUsed(path));
        const { images: removed } = await (await shopService(database)).delete(subdomain, files);
        print({ deleted: subdomain, images: removed });
      }),
    );
  webhookSecretCommand(shops);
}

export function tokensCommand(program: Command): void {
  const tokens = program.command('tokens').description('create, list and revoke access tokens');
  tokens
    .command('create')
    .description('create an access token; it is printed once, alone on the last line (only its hash is kept)')
    .requiredOption('--shop <subdomain>', 'the store the token belongs to')
    .option('--scopes <list>', `comma-separated scopes: any of the platform's documented ones (${SCOPES.join(', ')}) and PRODIMG_EXTRA_SCOPES`, DEFAULT_TOKEN_SCOPES.join(','))
    .option('--rate-limited', "its requests fill the rate-limit buckets (PRODIMG_RATE_LIMIT), as an app's do")
    .action((opts: { shop: string; scopes: string; rateLimited?: boolean }) =>
      withDatabase(async ({ config, database }) => {
        const scopes = opts.scopes.split(',').map((s) => s.trim()).filter(Boolean);
        const created = await (await shopService(database, config.oauth.extraScopes)).createToken(opts.shop, scopes, { rateLimited: opts.rateLimited ?? false });
        const limited = opts.rateLimited ? ', rate limited' : '';
        process.stdout.write(`# access token ${created.id} for ${created.shop.subdomain} (${created.scopes.join(',')}${limited}); shown once, store it now\n`);
        process.stdout.write(`${created.token}\n`);
      }),
    );
  tokens
    .command('list')
    .description("list a store's tokens as JSON: public id, scopes, creation time (never the token)")
    .requiredOption('--shop <subdomain>', 'the store')
    .action((opts: { shop: string }) => withDatabase(async ({ database }) => print(await (await shopService(database)).listTokens(opts.shop))));
  tokens
    .command('revoke <id>')
    .description('revoke a token by its public id (from tokens list); running servers may accept it for PRODIMG_AUTH_CACHE_MS more')
    .action((id: string) =>
      withDatabase(async ({ database }) => {
        await (await shopService(database)).revokeToken(id);
        print({ revoked: id });
      }),
    );
}
