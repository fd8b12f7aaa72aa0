import type { Command } from 'commander';
import { positiveInt, UsageError } from './context.js';
import { withCatalogue } from './catalogue-context.js';
import { counted } from './counted.js';

interface ImportOptions {
  shop: string;
  format?: string;
  concurrency: string;
  report?: string;
  quiet?: boolean;
}

export function importCommand(program: Command): void {
  program
    .command('import <file>')
    .description(
      'import products into a store from a CSV in the platforms\' product spreadsheet layout or JSON Lines of the API\'s product shape; matched by handle, resumable: run it again to continue',
    )
    .requiredOption('--shop <subdomain>', 'the store to import into')
    .option('--format <format>', 'csv or jsonl [from the file name]')
    .option('--concurrency <n>', 'products imported at once', '4')
    .option('--report <path>', 'the CSV of failed rows [<file>.report.csv]')
    .option('--quiet', 'no progress on stderr')
    .action(async (file: string, opts: ImportOptions) => {
      const [{ existsSync }, { formatOf, runImport }, { defaultReportPath, writeReport }, { InputError }, { progressDisplay }, { systemClock }] = await Promise.all([
        import('node:fs'),
        import('../transfer/run-import.js'),
        import('../transfer/report-file.js'),
        import('../transfer/input-error.js'),
        import('./progress-display.js'),
        import('../domain/clock.js'),
      ]);
      if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
      const format = opts.format ?? formatOf(file);
      if (format !== 'csv' && format !== 'jsonl') {
        throw new UsageError(opts.format ? `--format must be csv or jsonl, got "${opts.format}"` : `cannot tell the format of ${file} from its name: give --format csv or --format jsonl`);
      }
      const concurrency = positiveInt(opts.concurrency, '--concurrency', 64);
      const report = opts.report ?? defaultReportPath(file);
      await withCatalogue(opts.shop, async ({ shop, journal, writer }) => {
        const display = progressDisplay('prodimg import', 'products', { quiet: opts.quiet ?? false });
        // Ctrl-C: the products under way finish and the run stays open; a second one stops at once.
        const stop = new AbortController();
        const onSignal = () => {
          if (stop.signal.aborted) process.exit(130);
          stop.abort();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        let summary;
        try {
          summary = await runImport({ shopId: shop.id, file, format, concurrency, writer, journal, clock: systemClock, onProgress: (p) => display.update(p), signal: stop.signal });
        } catch (err) {
          if (err instanceof InputError) throw new UsageError(err.message);
          throw err;
        } finally {
          display.stop();
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
        if (summary.ignoredColumns.length > 0 && !opts.quiet) {
          process.stderr.write(`prodimg import: ignored columns: ${summary.ignoredColumns.join(', ')}\n`);
        }
        await writeReport(report, summary.failures);
        process.stdout.write(
          `${JSON.stringify({
            run: summary.runId,
            products: summary.total,
            created: summary.created,
            updated: summary.updated,
            failed: summary.failed,
            failed_rows: summary.failures.length,
            resumed: summary.resumed,
            stopped: stop.signal.aborted,
            report,
          })}\n`,
        );
        if (stop.signal.aborted) {
          process.stderr.write('prodimg import: stopped; run the same command again to continue\n');
          process.exitCode = 130;
        } else if (summary.failures.length > 0) {
          if (!opts.quiet) process.stderr.write(`prodimg import: ${counted(summary.failures.length, 'row')} failed; see ${report}\n`);
          process.exitCode = 1;
        }
      });
    });
}
