import { parse } from 'csv-parse/sync';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import type { Shop } from '../../src/domain/entities.js';
import { ShopService } from '../../src/domain/shop-service.js';
import { createRepositories } from '../../src/storage/repositories.js';
import type { TestDatabase } from '../support/databases.js';
import { type CatalogueOrigin, startCatalogueOrigin } from './catalogue-origin.js';
import { type ProcessRun, runProcess } from '../support/run-process.js';

const BIN = fileURLToPath(new URL('../../bin/prodimg.js', import.meta.url));


/** The settings a CLI run against a test database needs: its data dir and, on PostgreSQL, its URL; downloads from loopback origins allowed. */
export function cliEnv(db: TestDatabase, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PRODIMG_DATA_DIR: db.dataDir,
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    PRODIMG_ALLOW_PRIVATE_SOURCES: '1',
    PRODIMG_LOG_LEVEL: 'silent',
    ...extra,
  };
}

/** Runs the real CLI to its end, with only `env` of prodimg's own settings. */
export function prodimg(args: string[], env: Record<string, string>): Promise<ProcessRun> {
  const { DATABASE_URL: _u, PRODIMG_DATA_DIR: _d, PRODIMG_ALLOW_PRIVATE_SOURCES: _p, ...inherited } = process.env;
  return runProcess(process.execPath, [BIN, ...args], { ...inherited, ...env }, `prodimg ${args.join(' ')}`);
}

export const CLI_BIN = BIN;

/** The last line of a command's standard output, as JSON (import and export summaries). */
export function summaryOf(run: ProcessRun): Record<string, unknown> {
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? 'null') as Record<string, unknown>;
}

/**
 * An exported spreadsheet as each handle's products (each its rows, in order), in handle order, the
 * header under '': products imported at once share their creation second, so the store's list orders
 * them by their ids, as it does products sharing a handle.
 */
export function productsOfCsv(csv: string): Array<[string, string[][][]]> {
  const [header, ...rows] = parse(csv) as string[][];
  const byHandle = new Map<string, string[][][]>();
  for (const row of rows) {
    const products = byHandle.get(row[0]!) ?? [];
    // A product's first row has its title; the rows after it, none.
    if (row[1] !== '' || products.length === 0) products.push([]);
    products.at(-1)!.push(row);
    byHandle.set(row[0]!, products);
  }
  const sorted = [...byHandle].map(([handle, products]): [string, string[][][]] => [handle, products.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))]);
  return [['', [[header ?? []]]], ...sorted.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))];
}

/** A suite's image origin and temporary folder for its files: made before its tests, removed after. */
export function catalogueFixture(prefix: string): { origin: CatalogueOrigin; dir: string } {
  const fixture = {} as { origin: CatalogueOrigin; dir: string };
  beforeAll(async () => {
    fixture.origin = await startCatalogueOrigin();
    fixture.dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await fixture.origin?.close();
    if (fixture.dir) rmSync(fixture.dir, { recursive: true, force: true });
  });
  return fixture;
}

/** Stores of these subdomains in the test database. */
export async function createStores(db: TestDatabase, subdomains: string[]): Promise<Shop[]> {
  const repositories = createRepositories(db.database);
  const shops = new ShopService(repositories.shops, repositories.tokens, systemClock);
  const made: Shop[] = [];
  for (const subdomain of subdomains) made.push(await shops.create(subdomain, {}));
  return made;
}
