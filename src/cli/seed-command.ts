import type { Command } from 'commander';
import { positiveInt, withDatabase } from './context.js';
import { counted } from './counted.js';

export function seedCommand(program: Command): void {
  program
    .command('seed')
    .description('fill a store with generated products and images, fast (for benchmarks); prints targets as JSON on the last line')
    .requiredOption('--images <n>', 'how many images to add')
    .option('--per-product <n>', 'images per product', '50')
    .option('--shop <subdomain>', 'the store to fill (created when missing)', 'bench')
    .action((opts: { images: string; perProduct: string; shop: string }) =>
      withDatabase(async ({ database }) => {
        const images = positiveInt(opts.images, '--images', 100_000_000);
        const perProduct = positiveInt(opts.perProduct, '--per-product', 250);
        const [{ systemClock }, { ShopService }, { createRepositories }, { seedImages }] = await Promise.all([
          import('../domain/clock.js'),
          import('../domain/shop-service.js'),
          import('../storage/repositories.js'),
          import('../storage/seed.js'),
        ]);
        const repos = createRepositories(database);
        const shops = new ShopService(repos.shops, repos.tokens, systemClock);
        const shop = await shops.ensure(opts.shop);
        const { token } = await shops.createToken(shop.subdomain, ['read_product', 'write_product']);
        const started = Date.now();
        const seeded = await seedImages(database, shop.id, images, perProduct, systemClock(), (done) =>
          process.stderr.write(`prodimg seed: ${done}/${images} images\n`),
        );
        const seconds = (Date.now() - started) / 1000;
        process.stderr.write(`prodimg seed: ${counted(seeded.images, 'image')} in ${counted(seeded.products, 'product')}, ${seconds.toFixed(1)} s\n`);
        process.stdout.write(
          `${JSON.stringify({ shop: shop.subdomain, token, product_id: seeded.productId, image_id: seeded.imageId, images: seeded.images, seconds })}\n`,
        );
      }),
    );
}
