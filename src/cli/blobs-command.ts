import type { Command } from 'commander';
import { BLOB_STORE_KINDS, type BlobStoreKind } from '../config.js';
import { positiveInt, UsageError, withDatabase } from './context.js';
import { counted } from './counted.js';

interface MigrateFlags {
  to: string;
  concurrency?: string;
  quiet?: boolean;
}

export function blobsCommand(program: Command): void {
  const blobs = program.command('blobs').description("the image library's files: `blobs migrate` copies them into another store");
  blobs
    .command('migrate')
    .description(
      'copy every file of the configured library (PRODIMG_BLOB_STORE) into another store, each one checked; resumable; prints a JSON summary; exit code 1 if any file failed to verify (docs/images.md)',
    )
    .requiredOption('--to <store>', `the store to copy into: ${BLOB_STORE_KINDS.join(', ')}`)
    .option('--concurrency <n>', 'files copied at once, each held in memory whole [4]')
    .option('--quiet', 'no progress on stderr')
    .action(async (flags: MigrateFlags) => {
      const to = targetKind(flags.to);
      const concurrency = flags.concurrency === undefined ? 4 : positiveInt(flags.concurrency, '--concurrency', 64);
      await withDatabase(async ({ config, database }) => {
        if (to === config.blobStore) throw new UsageError(`the library is already in the ${to} store (PRODIMG_BLOB_STORE); --to names the store to copy it into`);
        const [{ openBlobStore, openBlobStoreOfKind, BlobStoreNotConfigured }, { migrateBlobs }, { progressDisplay }] = await Promise.all([
          import('../open-blob-store.js'),
          import('../transfer/migrate-blobs.js'),
          import('./progress-display.js'),
        ]);
        let target;
        try {
          target = openBlobStoreOfKind(to, config, database);
        } catch (error) {
          if (error instanceof BlobStoreNotConfigured) throw new UsageError(`--to ${to}: ${error.message}`);
          throw error;
        }
        const progress = progressDisplay('prodimg blobs migrate', 'files', { quiet: flags.quiet === true });
        let result;
        try {
          result = await migrateBlobs({ source: openBlobStore(config, database), target, concurrency, onProgress: (counts) => progress.update(counts) });
        } finally {
          progress.stop();
        }
        process.stdout.write(`${JSON.stringify({ from: config.blobStore, to, ...result }, null, 2)}\n`);
        const already = result.skipped > 0 ? `, ${counted(result.skipped, 'file')} already there` : '';
        if (!flags.quiet) process.stderr.write(`prodimg blobs migrate: copied ${counted(result.copied, 'file')} (${result.bytes} bytes) from ${config.blobStore} to ${to}${already}\n`);
        if (result.failed.length > 0) {
          for (const failure of result.failed) process.stderr.write(`prodimg blobs migrate: ${failure.name} failed to verify: ${failure.reason}\n`);
          process.stderr.write(`prodimg blobs migrate: ${counted(result.failed.length, 'file')} failed to verify and ${result.failed.length === 1 ? 'is' : 'are'} not in the ${to} store\n`);
          process.exitCode = 1;
        }
      });
    });
}

function targetKind(value: string): BlobStoreKind {
  const kind = BLOB_STORE_KINDS.find((known) => known === value);
  if (kind === undefined) throw new UsageError(`--to must be one of ${BLOB_STORE_KINDS.join(', ')}, got "${value}"`);
  return kind;
}
