import type { Command } from 'commander';
import type { AdminAuth } from '../domain/admin-auth.js';
import type { Database } from '../storage/database.js';
import { withDatabase } from './context.js';

async function adminAuth(database: Database): Promise<AdminAuth> {
  const [{ systemClock }, { AdminAuth }, { KyselyAdminKeyRepository }] = await Promise.all([
    import('../domain/clock.js'),
    import('../domain/admin-auth.js'),
    import('../storage/admin-key-repository.js'),
  ]);
  return new AdminAuth(new KyselyAdminKeyRepository(database.db), systemClock);
}

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

/** Keys for signing in to the admin page at /admin. */
export function adminKeyCommand(program: Command): void {
  const keys = program.command('admin-key').description('create, list and revoke keys for the admin page at /admin');
  keys
    .command('create')
    .description('create an admin key; it is printed once, alone on the last line (only its hash is kept)')
    .option('--name <name>', 'what the key is for, shown by admin-key list', 'admin')
    .action((opts: { name: string }) =>
      withDatabase(async ({ database }) => {
        const created = await (await adminAuth(database)).createKey(opts.name);
        process.stdout.write(`# admin key ${created.id} (${created.name}); shown once, store it now\n`);
        process.stdout.write(`${created.key}\n`);
      }),
    );
  keys
    .command('list')
    .description('list admin keys as JSON: public id, name, creation time (never the key)')
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
