import type { Command } from 'commander';
import { collectGarbage } from '../imaging/garbage-collector.js';
import { createImageFiles } from '../imaging/image-files.js';
import { openBlobStore } from '../open-blob-store.js';
import { distinctImagePaths, imageIdsUsingPath } from '../storage/image-file-queries.js';
import { createRepositories } from '../storage/repositories.js';
import { withDatabase } from './context.js';

export function gcCommand(program: Command): void {
  program
    .command('gc')
    .description('remove stored files no image references, and report images whose file is missing (JSON on stdout)')
    .option('--dry-run', 'only report what would be removed')
    .action((opts: { dryRun?: boolean }) =>
      withDatabase(async ({ config, database }) => {
        const images = createRepositories(database).images;
        const blobs = openBlobStore(config, database);
        const report = await collectGarbage(
          {
            blobs,
            isUsed: (path) => images.isPathUsed(path),
            release: (paths) => createImageFiles(blobs, (path) => images.isPathUsed(path)).release(paths),
            usedPaths: () => distinctImagePaths(database.db),
            imagesUsing: (path) => imageIdsUsingPath(database.db, path),
          },
          { dryRun: opts.dryRun === true, progress: (n) => process.stderr.write(`prodimg gc: ${n} files scanned\n`) },
        );
        process.stdout.write(`${JSON.stringify({ dry_run: opts.dryRun === true, ...report }, null, 2)}\n`);
        process.stderr.write(
          `prodimg gc: scanned ${report.scanned} files, ${opts.dryRun ? 'would remove' : 'removed'} ${report.removed.length}, ${report.missing.length} referenced files missing\n`,
        );
      }),
    );
}
