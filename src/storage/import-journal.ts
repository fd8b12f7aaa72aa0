import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

/** A line of the input (the header is line 1 of a CSV) and what is wrong with it, in words. */
export interface RowProblem {
  line: number;
  reason: string;
}

export type ItemOutcome = 'created' | 'updated' | 'failed';

export interface ImportRun {
  id: string;
  shopId: string;
  total: number;
  startedAt: string;
  finishedAt: string | null;
}

export interface SettledItem {
  seq: number;
  handle: string;
  outcome: ItemOutcome;
  problems: RowProblem[];
}

/**
 * What an import has done so far, in the database beside the products it writes: a run stopped at
 * any moment (kill -9 included) is continued by the next run over the same input. An item is written
 * after its product committed, so a product may be settled again after a crash: applying it is
 * idempotent (matched by handle, its images by their source's file).
 */
export class ImportJournal {
  constructor(private readonly db: Kysely<Schema>) {}

  /** The unfinished run over this input in this store, if any. */
  async unfinished(shopId: string, inputKey: string): Promise<ImportRun | null> {
    const row = await this.db
      .selectFrom('import_runs')
      .selectAll()
      .where('shop_id', '=', shopId)
      .where('input_key', '=', inputKey)
      .where('finished_at', 'is', null)
      .orderBy('started_at', 'desc')
      .executeTakeFirst();
    return row ? toRun(row) : null;
  }

  async start(run: { id: string; shopId: string; inputKey: string; total: number; now: string }): Promise<ImportRun> {
    await this.db
      .insertInto('import_runs')
      .values({ id: run.id, shop_id: run.shopId, input_key: run.inputKey, total: run.total, started_at: run.now, finished_at: null })
      .execute();
    return { id: run.id, shopId: run.shopId, total: run.total, startedAt: run.now, finishedAt: null };
  }

  async get(runId: string): Promise<ImportRun | null> {
    const row = await this.db.selectFrom('import_runs').selectAll().where('id', '=', runId).executeTakeFirst();
    return row ? toRun(row) : null;
  }

  async settled(runId: string): Promise<SettledItem[]> {
    const rows = await this.db.selectFrom('import_items').selectAll().where('run_id', '=', runId).orderBy('seq').execute();
    return rows.map((row) => ({ seq: Number(row.seq), handle: row.handle, outcome: row.outcome as ItemOutcome, problems: JSON.parse(row.problems) as RowProblem[] }));
  }

  /** Records an item once; settling it again (after a crash between the product and this) keeps the latest. */
  async settle(runId: string, item: SettledItem): Promise<void> {
    await this.db
      .insertInto('import_items')
      .values({ run_id: runId, seq: item.seq, handle: item.handle, outcome: item.outcome, problems: JSON.stringify(item.problems) })
      .onConflict((oc) => oc.columns(['run_id', 'seq']).doUpdateSet({ outcome: item.outcome, problems: JSON.stringify(item.problems) }))
      .execute();
  }

  async finish(runId: string, now: string): Promise<void> {
    await this.db.updateTable('import_runs').set({ finished_at: now }).where('id', '=', runId).execute();
  }

  /** The library files earlier imports made of these source URLs. */
  async sourceFiles(urls: readonly string[]): Promise<Map<string, string>> {
    if (urls.length === 0) return new Map();
    const rows = await this.db.selectFrom('source_files').select(['source_url', 'path']).where('source_url', 'in', [...new Set(urls)]).execute();
    return new Map(rows.map((row) => [row.source_url, row.path]));
  }

  async recordSourceFiles(pairs: ReadonlyArray<{ url: string; path: string }>, now: string): Promise<void> {
    const unique = new Map(pairs.map((pair) => [pair.url, pair.path]));
    if (unique.size === 0) return;
    await this.db
      .insertInto('source_files')
      .values([...unique].map(([url, path]) => ({ source_url: url, path, recorded_at: now })))
      .onConflict((oc) => oc.column('source_url').doUpdateSet((eb) => ({ path: eb.ref('excluded.path'), recorded_at: eb.ref('excluded.recorded_at') })))
      .execute();
  }

  /** The ids of the store's products with this handle (matching is exact). */
  async productsByHandle(shopId: string, handle: string): Promise<string[]> {
    const rows = await this.db.selectFrom('products').select('id').where('shop_id', '=', shopId).where('handle', '=', handle).limit(3).execute();
    return rows.map((row) => row.id);
  }
}

function toRun(row: Schema['import_runs']): ImportRun {
  return { id: row.id, shopId: row.shop_id, total: Number(row.total), startedAt: row.started_at, finishedAt: row.finished_at };
}
