import type { Command } from 'commander';
import type { AdminAuth } from '../domain/admin-auth.js';
import type { Database } from '../storage/database.js';
import type { Shop } from '../domain/entities.js';
import { UsageError, withDatabase } from './context.js';

async function adminAuth(database: Database): Promise<AdminAuth> {
  const [{ systemClock }, { AdminAuth }, { KyselyAdminKeyRepository }] = await Promise.all([
    import('../domain/clock.js'),
    import('../domain/admin-auth.js'),
    import('../storage/admin-key-repository.js'),
  ]);
  return new AdminAuth(new KyselyAdminKeyRepository(database.db), systemClock);
}

/** The store a limited key is for, by subdomain; a clear refusal when there is none. */
async function storeNamed(database: Database, subdomain: string): Promise<Shop> {
  const { createRepositories } = await import('../storage/repositories.js');
  const shop = await createRepositories(database).shops.find(subdomain);
  if (!shop) throw new UsageError(`--shop: no store with subdomain ${subdomain}; \`prodimg shops list\` shows them`);
  return shop;
}

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

/** Keys for signing in to the admin page at /admin and to a store's OAuth consent page. */
export function adminKeyCommand(program: Command): void {
  const keys = program.command('admin-key').description('create, list and revoke keys for the admin page at /admin and the OAuth consent page');
  keys
    .command('create')
    .description('create an admin key; it is printed once, alone on the last line (only its hash is kept)')
    .option('--name <name>', 'what the key is for, shown by admin-key list', 'admin')
    .option(
      '--shop <subdomain>',
      'limit the key to this store: it manages only this store on the admin page and approves app installs (OAuth consent) only for it; without --shop the key manages and approves for every store',
    )
    .action((opts: { name: string; shop?: string }) =>
      withDatabase(async ({ database }) => {
        const shop = opts.shop === undefined ? undefined : await storeNamed(database, opts.shop);
        const created = await (await adminAuth(database)).createKey(opts.name, shop);
        const scope = created.shop === null ? '' : ` for store ${created.shop} only`;
        process.stdout.write(`# admin key ${created.id} (${created.name})${scope}; shown once, store it now\n`);
        process.stdout.write(`${created.key}\n`);
      }),
    );
  keys
    .command('list')
    .description('list admin keys as JSON: public id, name, creation time, store (null: every store); never the key')
    .action(() => withDatabase(async ({ database }) => print(await (await adminAuth(database)).listKeys())));
  keys
    .command('revoke <id>')
    .description('revoke an admin key by its public id (from admin-key list); its sessions end at once')
    .action((id: string) =>
      withDatabase(async ({ database }) => {
        await (await adminAuth(database)).revokeKey(id);
        print({ revoked: id });
      }),
    );
}
