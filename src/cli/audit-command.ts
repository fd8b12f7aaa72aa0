import type { Command } from 'commander';
import { AUDIT_FIXES, type AuditFix, type AuditProblem } from '../domain/image-audit.js';
import { isUuid } from '../domain/uuid.js';
import { positiveInt, UsageError, withDatabase } from './context.js';
import { counted } from './counted.js';

interface AuditFlags {
  shop?: string;
  product?: string;
  minSide?: string;
  checkExternal?: boolean;
  fix?: string;
  json?: boolean;
}

/** Progress is redrawn at most this often, and only on a terminal. */
const PROGRESS_EVERY_MS = 250;

export function auditCommand(program: Command): void {
  program
    .command('audit')
    .description('check product images (alt text, files, sizes, duplicates, positions); exit code 1 when any error-severity problem is found')
    .option('--shop <subdomain>', 'only this store')
    .option('--product <id>', 'only this product')
    .option('--min-side <px>', 'too small for zoom under this shortest side [PRODIMG_AUDIT_MIN_SIDE, 800]')
    .option('--check-external', 'fetch images kept as external URLs (ingestion off) through the guarded downloader and check their files too')
    .option('--fix <fixes>', `repair what is safe to repair, comma-separated: ${Object.keys(AUDIT_FIXES).join(', ')}`)
    .option('--json', 'print the problems as a JSON array, nothing else')
    .action(async (flags: AuditFlags) => {
      // Refused before the database is opened: a typo must not start a long audit.
      const fix = parseFixes(flags.fix);
      if (flags.product !== undefined && !isUuid(flags.product)) throw new UsageError(`--product must be a product id (a UUID), got "${flags.product}"`);
      const minSide = flags.minSide === undefined ? undefined : positiveInt(flags.minSide, '--min-side', 65_535);
      await withDatabase(async ({ config, database }) => {
        const [{ auditImages, AuditTargetNotFound }, { openBlobStore }] = await Promise.all([import('../audit/run-audit.js'), import('../open-blob-store.js')]);
        const output = flags.json ? jsonOutput() : tableOutput();
        const progress = terminalProgress();
        const counts = { errors: 0, warnings: 0, fixed: 0 };
        const audit = auditImages({
          database,
          blobs: openBlobStore(config, database),
          ...(flags.shop !== undefined ? { shop: flags.shop } : {}),
          ...(flags.product !== undefined ? { productId: flags.product } : {}),
          minSide: minSide ?? config.auditMinSide,
          maxPixels: config.maxPixels,
          ...(flags.checkExternal
            ? {
                checkExternal: {
                  allowPrivate: config.allowPrivateSources,
                  maxBytes: config.maxSourceBytes,
                  connectTimeoutMs: config.fetchConnectTimeoutMs,
                  totalTimeoutMs: config.fetchTimeoutMs,
                },
              }
            : {}),
          fix,
          onProgress: progress.update,
        });
        let checked = 0;
        try {
          for (;;) {
            const next = await audit.next();
            if (next.done) {
              checked = next.value.imagesChecked;
              break;
            }
            const problem = next.value;
            if (problem.fixed) counts.fixed++;
            else if (problem.severity === 'error') counts.errors++;
            else counts.warnings++;
            progress.clear();
            await output.write(problem);
          }
        } catch (error) {
          if (error instanceof AuditTargetNotFound) throw new UsageError(error.message);
          throw error;
        } finally {
          progress.clear();
        }
        const summary = `${counted(checked, 'image')} checked, ${counted(counts.errors, 'error')}, ${counted(counts.warnings, 'warning')}${counts.fixed > 0 ? `, ${counts.fixed} fixed` : ''}`;
        await output.end(summary);
        process.exitCode = counts.errors > 0 ? 1 : 0;
      });
    });
}

function parseFixes(list: string | undefined): AuditFix[] {
  if (list === undefined) return [];
  const names = list.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(name in AUDIT_FIXES));
  if (names.length === 0 || unknown.length > 0) {
    throw new UsageError(`--fix takes ${Object.keys(AUDIT_FIXES).join(', ')} (comma-separated), got "${list}"`);
  }
  return [...new Set(names as AuditFix[])];
}


interface AuditOutput {
  write(problem: AuditProblem): Promise<void>;
  end(summary: string): Promise<void>;
}

/** Waits when stdout's buffer is full, so a slow reader cannot make the problems pile up in memory. */
function print(text: string): Promise<void> {
  if (process.stdout.write(text)) return Promise.resolve();
  return new Promise((resolve) => process.stdout.once('drain', resolve));
}

/** `[`, the problems one per line as they come, `]`: valid JSON however many there are. */
function jsonOutput(): AuditOutput {
  let first = true;
  return {
    write(problem) {
      const text = `${first ? '[\n' : ',\n'}${JSON.stringify(problem)}`;
      first = false;
      return print(text);
    },
    async end(summary) {
      await print(first ? '[]\n' : '\n]\n');
      process.stderr.write(`prodimg audit: ${summary}\n`);
    },
  };
}

/** Columns of fixed width (ids are UUIDs), so rows print as they come; message and fix last. */
const COLUMNS = [
  ['SHOP', 16],
  ['PRODUCT', 36],
  ['IMAGE', 36],
  ['SEVERITY', 8],
  ['CODE', 21],
] as const;

function tableOutput(): AuditOutput {
  let headed = false;
  const row = (cells: readonly string[], message: string, fix: string) =>
    `${cells.map((cell, i) => cell.padEnd(COLUMNS[i]![1])).join(' ')} ${message}  ${fix}\n`;
  return {
    write(problem) {
      const head = headed ? '' : row(COLUMNS.map(([name]) => name), 'MESSAGE', 'FIX');
      headed = true;
      const message = problem.fixed ? `(fixed) ${problem.message}` : problem.message;
      return print(head + row([problem.shop, problem.product_id, problem.image_id ?? '-', problem.severity, problem.code], message, problem.fix));
    },
    end: (summary) => print(`${headed ? '\n' : 'No problems found.\n'}${summary}\n`),
  };
}

/**
 * `audit: 12000/100000 images` on stderr, redrawn in place, only when stderr is a terminal. The line
 * is wiped before anything else is printed (stdout is often the same terminal) and when done.
 */
function terminalProgress() {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  let drawn = false;
  const clear = () => {
    if (drawn) process.stderr.write('\r\x1b[K');
    drawn = false;
  };
  return {
    update(progress: { imagesChecked: number; imagesTotal: number }) {
      const now = Date.now();
      if (!tty || now - last < PROGRESS_EVERY_MS) return;
      last = now;
      drawn = true;
      process.stderr.write(`\r\x1b[Kaudit: ${progress.imagesChecked}/${progress.imagesTotal} images`);
    },
    clear,
  };
}
