import type { Command } from 'commander';
import { UsageError } from './context.js';
import { withCatalogue } from './catalogue-context.js';
import { counted } from './counted.js';

interface ExportOptions {
  shop: string;
  format?: string;
  out?: string;
  quiet?: boolean;
}

export function exportCommand(program: Command): void {
  program
    .command('export')
    .description('write a store\'s products in the layout import reads: a CSV in the product spreadsheet layout, or JSON Lines of the API\'s product shape')
    .requiredOption('--shop <subdomain>', 'the store to export')
    .option('--format <format>', 'csv or jsonl [from --out\'s name]')
    .option('--out <file>', 'write here (whole or not at all) [standard output]')
    .option('--quiet', 'no progress on stderr')
    .action(async (opts: ExportOptions) => {
      const [{ createWriteStream }, { rename, rm }, { finished }, { formatOf }, { runExport }, { progressDisplay }] = await Promise.all([
        import('node:fs'),
        import('node:fs/promises'),
        import('node:stream/promises'),
        import('../transfer/run-import.js'),
        import('../transfer/run-export.js'),
        import('./progress-display.js'),
      ]);
      const format = opts.format ?? (opts.out ? formatOf(opts.out) : null);
      if (format !== 'csv' && format !== 'jsonl') {
        throw new UsageError(opts.format ? `--format must be csv or jsonl, got "${opts.format}"` : 'give --format csv or --format jsonl');
      }
      await withCatalogue(opts.shop, async ({ config, shop, products, wire }) => {
        const partial = opts.out ? `${opts.out}.partial` : undefined;
        const out = partial ? createWriteStream(partial) : process.stdout;
        const display = progressDisplay('prodimg export', 'products', { quiet: opts.quiet ?? false });
        try {
          const result = await runExport({ shopId: shop.id, format, products, context: wire, out, onProgress: (p) => display.update(p) });
          if (partial) {
            out.end();
            await finished(out);
            await rename(partial, opts.out!);
          }
          display.stop();
          if (!opts.quiet) process.stderr.write(`prodimg export: ${counted(result.products, 'product')}, ${counted(result.images, 'image')}${opts.out ? ` to ${opts.out}` : ''}\n`);
          // Without either setting, srcs name the default listen address, which is right only where the server runs there.
          if (!opts.quiet && result.images > 0 && config.publicUrl === undefined && config.cdnHost === undefined) {
            process.stderr.write(
              `prodimg export: PRODIMG_PUBLIC_URL is not set, so image srcs point at ${wire.cdnBase}; set it to where clients reach the server (like https://prodimg.example.com) and export again\n`,
            );
          }
        } catch (err) {
          display.stop();
          if (partial) {
            out.destroy();
            await rm(partial, { force: true });
          }
          throw err;
        }
      });
    });
}
