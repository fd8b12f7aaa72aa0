import type { Command } from 'commander';
import { positiveInt, UsageError } from './context.js';
import { withCatalogue } from './catalogue-context.js';
import { counted } from './counted.js';
import type { Scope } from '../domain/scopes.js';
import type { MirrorSource } from '../transfer/mirror-source.js';

interface MirrorOptions {
  from: string;
  token?: string;
  shop: string;
  version: string;
  perPage: string;
  concurrency: string;
  timeout: string;
  maxPageMib: string;
  prune?: boolean;
  full?: boolean;
  report?: string;
  quiet?: boolean;
}

/** A source is read as if hostile: each request has a deadline, each answer a size bound, whatever it sends. */
const DEFAULT_TIMEOUT_S = 30;
const DEFAULT_MAX_PAGE_MIB = 32;

/** What the mirror reads of the source (its products, with their images and variants) needs of its token. */
const SOURCE_SCOPE: Scope = 'read_product';

/** Where the token comes from when --token is not given, so it need not be on the command line (and in `ps`). */
const TOKEN_VARIABLE = 'PRODIMG_MIRROR_TOKEN';

export function mirrorCommand(program: Command): void {
  program
    .command('mirror')
    .description(
      `copy a live store's products, variants and images into a local store through its admin OpenAPI; incremental from the last finished pass, matched by handle`,
    )
    .requiredOption('--from <url>', 'the source store\'s base URL, e.g. https://<store>.myshoplaza.com')
    .option('--token <token>', `the source's access token (${SOURCE_SCOPE}) [${TOKEN_VARIABLE}]`)
    .requiredOption('--shop <subdomain>', 'the local store to mirror into')
    .option('--version <version>', 'the API version to ask the source in', '2022-01')
    .option('--per-page <n>', 'products per page asked of the source (1 to 250)', '50')
    .option('--concurrency <n>', 'products applied at once', '4')
    .option('--timeout <seconds>', 'the deadline of each request to the source, its whole answer included (1 to 3600)', String(DEFAULT_TIMEOUT_S))
    .option('--max-page-mib <n>', 'the largest answer read from the source, in MiB (1 to 1024)', String(DEFAULT_MAX_PAGE_MIB))
    .option('--prune', 'delete local products whose handle the source no longer has')
    .option('--full', 'ask for every product, not only those changed since the last finished pass')
    .option('--report <path>', 'write the failed products here as CSV (line is the product\'s place in the pass)')
    .option('--quiet', 'no progress or retries on stderr')
    .action(async (opts: MirrorOptions) => {
      const [{ openSource, sourceFailure }, { runMirror }, { writeReport }, { MirrorSources }, { progressDisplay }, { systemClock }] = await Promise.all([
        import('../transfer/mirror-source.js'),
        import('../transfer/run-mirror.js'),
        import('../transfer/report-file.js'),
        import('../storage/mirror-sources.js'),
        import('./progress-display.js'),
        import('../domain/clock.js'),
      ]);
      const token = opts.token ?? process.env[TOKEN_VARIABLE];
      if (!token) throw new UsageError(`give the source's access token with --token or ${TOKEN_VARIABLE}`);
      if (!/^\d{4}-\d{2}$/.test(opts.version)) throw new UsageError(`--version must be an API version like 2022-01, got "${opts.version}"`);
      const perPage = positiveInt(opts.perPage, '--per-page', 250);
      const concurrency = positiveInt(opts.concurrency, '--concurrency', 64);
      const timeoutMs = positiveInt(opts.timeout, '--timeout', 3600) * 1000;
      const maxPageBytes = positiveInt(opts.maxPageMib, '--max-page-mib', 1024) * 1024 * 1024;
      const quiet = opts.quiet ?? false;
      let source: MirrorSource | undefined;
      const fail = (err: unknown): never => {
        const failure = sourceFailure(err, source?.url ?? opts.from);
        if (failure === undefined) throw err;
        if (failure.usage) throw new UsageError(failure.message);
        throw new Error(failure.message);
      };
      try {
        source = openSource({
          from: opts.from,
          token,
          version: opts.version,
          userAgent: 'prodimg-mirror',
          timeoutMs,
          maxPageBytes,
          onRetry: (retry) => {
            if (!quiet) process.stderr.write(`prodimg mirror: the source answered ${retry.status}; retry ${retry.attempt} in ${(retry.waitMs / 1000).toFixed(1)} s\n`);
          },
        });
      } catch (err) {
        fail(err);
      }
      const from = source!;
      await withCatalogue(opts.shop, async ({ database, shop, products, writer }) => {
        const state = new MirrorSources(database.db);
        const since = opts.full ? null : await state.nextPoint(shop.id, from.url);
        const display = progressDisplay('prodimg mirror', 'products', { quiet });
        let summary;
        try {
          summary = await runMirror({
            shopId: shop.id,
            source: from,
            since,
            prune: opts.prune ?? false,
            perPage,
            concurrency,
            writer,
            products,
            state,
            clock: systemClock,
            onProgress: (p) => display.update(p),
          });
        } catch (err) {
          fail(err);
        } finally {
          display.stop();
        }
        const done = summary!;
        if (opts.report) await writeReport(opts.report, done.failures);
        process.stdout.write(
          `${JSON.stringify({
            source: from.url,
            shop: opts.shop,
            since: done.since,
            next: done.next,
            fetched: done.fetched,
            created: done.created,
            updated: done.updated,
            failed: done.failed,
            pruned: done.pruned,
            ...(opts.report ? { report: opts.report } : {}),
          })}\n`,
        );
        if (done.failed > 0) {
          if (!quiet) {
            const first = done.failures[0];
            process.stderr.write(`prodimg mirror: ${counted(done.failed, 'product')} failed${opts.report ? `; see ${opts.report}` : first ? `, first ${first.handle}: ${first.reason}` : ''}\n`);
          }
          process.exitCode = 1;
        }
      });
    });
}
