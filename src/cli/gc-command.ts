import type { Command } from 'commander';
import { withDatabase } from './context.js';

export function gcCommand(program: Command): void {
  program
    .command('gc')
    .description('remove stored files no image references, and report images whose file is missing (JSON on stdout)')
    .option('--dry-run', 'only report what would be removed')
    .action((opts: { dryRun?: boolean }) =>
      withDatabase(async ({ config, database }) => {
        const [{ garbageSources }, { collectGarbage }, { createImageFiles }, { openBlobStore }, { createRepositories }] = await Promise.all([
          import('../garbage-sources.js'),
          import('../imaging/garbage-collector.js'),
          import('../imaging/image-files.js'),
          import('../open-blob-store.js'),
          import('../storage/repositories.js'),
        ]);
        const images = createRepositories(database).images;
        const blobs = openBlobStore(config, database);
        const isUsed = (path: string) => images.isPathUsed(path);
        const files = createImageFiles(blobs, isUsed);
        const report = await collectGarbage(
          garbageSources({ database, blobs, files, isUsed }),
          { dryRun: opts.dryRun === true, progress: (n) => process.stderr.write(`prodimg gc: ${n} files scanned\n`) },
        );
        process.stdout.write(`${JSON.stringify({ dry_run: opts.dryRun === true, ...report }, null, 2)}\n`);
        process.stderr.write(
          `prodimg gc: scanned ${report.scanned} files, ${opts.dryRun ? 'would remove' : 'removed'} ${report.removed.length}, ${report.missing.length} referenced files missing\n`,
        );
      }),
    );
}
