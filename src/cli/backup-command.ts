import type { Command } from 'commander';
import type { Counts } from '../backup/archive-layout.js';
import { configFromEnv, UsageError } from './context.js';
import { counted } from './counted.js';
import { VERSION } from './version.js';

/** A phase's line on stderr, unless --quiet. */
const progressOf = (command: string, quiet: boolean | undefined) => (line: string) => {
  if (!quiet) process.stderr.write(`prodimg ${command}: ${line}\n`);
};

const countsOf = (counts: Counts) =>
  [counted(counts.stores, 'store'), counted(counts.products, 'product'), counted(counts.images, 'image'), counted(counts.files, 'file')].join(', ');

/** A refusal of the backup module is the user's to fix: exit code 2, one line. */
async function refusalsAsUsage<T>(body: () => Promise<T>): Promise<T> {
  const { BackupRefused } = await import('../backup/backup-refused.js');
  try {
    return await body();
  } catch (error) {
    if (error instanceof BackupRefused) throw new UsageError(error.message);
    throw error;
  }
}

export function backupCommand(program: Command): void {
  program
    .command('backup')
    .description('write the database (SQLite; PostgreSQL: see docs/backup.md), the image files and secret.key to one tar file, while servers keep serving')
    .requiredOption('--out <file>', 'the archive to write (replaced once the new one is complete)')
    .option('--quiet', 'no progress lines on stderr')
    .action((opts: { out: string; quiet?: boolean }) =>
      refusalsAsUsage(async () => {
        const config = configFromEnv();
        const { createBackup } = await import('../backup/backup.js');
        const { manifest, bytes } = await createBackup({ config, out: opts.out, prodimgVersion: VERSION, progress: progressOf('backup', opts.quiet) });
        const what = manifest.database_included ? 'the database' : 'the image files (the database is not inside: back it up with pg_dump)';
        process.stdout.write(`prodimg backup: wrote ${opts.out} (${bytes} bytes): ${what}, ${countsOf(manifest.counts)}\n`);
        if (manifest.missing_files.length > 0) {
          process.stderr.write(
            `prodimg backup: MISSING FILES: ${manifest.missing_files.length} files the database references were not on disk, so they are not in the backup: ${manifest.missing_files.join(', ')}\n`,
          );
          process.exitCode = 1;
        }
      }),
    );
}

export function restoreCommand(program: Command): void {
  program
    .command('restore')
    .description('restore an archive of `prodimg backup` into PRODIMG_DATA_DIR (the database and files), then migrate it to this version')
    .argument('<file>', 'the archive')
    .option('--force', 'replace a database that already has stores (its files are left for `prodimg gc`)')
    .option('--quiet', 'no progress lines on stderr')
    .action((file: string, opts: { force?: boolean; quiet?: boolean }) =>
      refusalsAsUsage(async () => {
        const config = configFromEnv();
        const { restoreBackup } = await import('../backup/restore.js');
        const { counts, missing } = await restoreBackup({ config, file, force: opts.force === true, progress: progressOf('restore', opts.quiet) });
        process.stdout.write(`prodimg restore: restored ${countsOf(counts)} from ${file}\n`);
        if (missing.length > 0) {
          process.stderr.write(`prodimg restore: MISSING FILES: ${missing.length} files the database references are not in the backup; the images using them have no file (\`prodimg audit\` lists them): ${missing.join(', ')}\n`);
          process.exitCode = 1;
        }
      }),
    );
}
