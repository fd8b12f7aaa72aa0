import type { Command } from 'commander';
import { isUuid } from '../domain/uuid.js';
import { UsageError, openSecrets, withDatabase } from './context.js';

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

export function webhooksCommand(program: Command): void {
  const webhooks = program.command('webhooks').description('webhook deliveries: list them, send one again, fire an event');
  webhooks
    .command('deliveries')
    .description('deliveries newest first as JSON, each with its attempts (time, HTTP status, error)')
    .option('--failed', 'only those marked failed (every attempt used)')
    .option('--limit <n>', 'how many', '100')
    .action((opts: { failed?: boolean; limit: string }) =>
      withDatabase(async ({ database }) => {
        if (!/^\d+$/.test(opts.limit) || Number(opts.limit) < 1) throw new UsageError('--limit must be a positive integer');
        const { WebhookDeliveries } = await import('../storage/webhook-deliveries.js');
        print(await new WebhookDeliveries(database.db, database.dialect).list({ failed: opts.failed ?? false, limit: Number(opts.limit) }));
      }),
    );
  webhooks
    .command('redeliver <id>')
    .description('send a delivery again now, with the same deduplication id and a new round of attempts (a running server sends it)')
    .action((id: string) =>
      withDatabase(async ({ database }) => {
        const { WebhookDeliveries } = await import('../storage/webhook-deliveries.js');
        if (!isUuid(id) || !(await new WebhookDeliveries(database.db, database.dialect).redeliver(id.toLowerCase()))) {
          throw new UsageError(`no delivery ${id} (see prodimg webhooks deliveries)`);
        }
        print({ redelivering: id.toLowerCase() });
      }),
    );
  webhooks
    .command('trigger <topic>')
    .description("fire a real event to the store's subscribers of <topic>: a product topic sends the product as it is now (--product, or the store's latest)")
    .requiredOption('--shop <subdomain>', 'the store')
    .option('--product <id>', 'the product (product topics)')
    .action((topic: string, opts: { shop: string; product?: string }) =>
      withDatabase(async ({ config, database }) => {
        const [{ WEBHOOK_TOPICS }, { recordEvent }, { loadProduct }, { createRepositories }, { shopJson }, { systemClock }] = await Promise.all([
          import('../domain/webhooks.js'),
          import('../storage/webhook-outbox.js'),
          import('../storage/product-snapshot.js'),
          import('../storage/repositories.js'),
          import('../contract/operations/shop.js'),
          import('../domain/clock.js'),
        ]);
        const known = WEBHOOK_TOPICS.find((t) => t === topic);
        if (!known) throw new UsageError(`topic must be one of ${WEBHOOK_TOPICS.join(', ')}`);
        const shop = await createRepositories(database).shops.find(opts.shop);
        if (!shop) throw new UsageError(`no store ${opts.shop}`);
        let content: object;
        if (known.startsWith('products/')) {
          if (opts.product !== undefined && !isUuid(opts.product)) throw new UsageError('--product must be a product id (a UUID)');
          const latest = opts.product
            ? opts.product.toLowerCase()
            : (await database.db.selectFrom('products').select('id').where('shop_id', '=', shop.id).orderBy('updated_at', 'desc').orderBy('id').limit(1).executeTakeFirst())?.id;
          const owned = latest ? await database.db.selectFrom('products').select('id').where('id', '=', latest).where('shop_id', '=', shop.id).executeTakeFirst() : undefined;
          const product = owned ? await loadProduct(database.db, owned.id) : null;
          if (!product) throw new UsageError(opts.product ? `no product ${opts.product} in ${opts.shop}` : `${opts.shop} has no product`);
          content = { product };
        } else {
          content = { shop: shopJson(shop, config.baseDomain) };
        }
        const deliveries = await recordEvent(database, shop.id, known, content, systemClock());
        print({ topic: known, shop: opts.shop, deliveries });
      }),
    );
}

/** `prodimg shops webhook-secret <sub>`: the store's own signing secret, made on first use. */
export function webhookSecretCommand(shops: Command): void {
  shops
    .command('webhook-secret <subdomain>')
    .description("print the secret that signs the store's webhooks made with CLI tokens (X-Shoplazza-Hmac-Sha256); made on first use")
    .action((subdomain: string) =>
      withDatabase(async ({ config, database }) => {
        const [{ createRepositories }, { SigningSecrets }] = await Promise.all([import('../storage/repositories.js'), import('../storage/signing-secrets.js')]);
        const shop = await createRepositories(database).shops.find(subdomain);
        if (!shop) throw new UsageError(`no store ${subdomain}`);
        const secret = await new SigningSecrets(database.db, await openSecrets(config, database)).storeSecret(shop.id);
        process.stdout.write(`${secret}\n`);
      }),
    );
}
