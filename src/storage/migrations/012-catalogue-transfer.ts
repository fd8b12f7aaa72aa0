import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectName } from '../dialect-name.js';

/**
 * Moving catalogues in and out (issue 16). `import_runs`: one run of `prodimg import` (or a mirror,
 * or an admin page upload) over one input, known by the input's hash, so the same command run again
 * continues the run it finds unfinished. `import_items`: what became of each product of the input,
 * written once it is settled (created, updated or failed, with its problems as JSON).
 * `source_files`: which library file a source URL became, so a product imported again (a resumed
 * run, a mirror's next pass) keeps its images without downloading them again. Products are found by
 * handle within a store, hence the index.
 */
export function catalogueTransfer(dialect: DialectName): Migration {
  const uuid = dialect === 'postgres' ? sql`uuid` : sql`text`;
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('import_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('shop_id', uuid, (c) => c.notNull().references('shops.id').onDelete('cascade'))
        .addColumn('input_key', 'text', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .execute();
      await db.schema.createIndex('import_runs_input').on('import_runs').columns(['shop_id', 'input_key']).execute();
      await db.schema
        .createTable('import_items')
        .addColumn('run_id', 'text', (c) => c.notNull().references('import_runs.id').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('handle', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('problems', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('import_items_pk', ['run_id', 'seq'])
        .execute();
      await db.schema
        .createTable('source_files')
        .addColumn('source_url', 'text', (c) => c.primaryKey())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('recorded_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('products_shop_handle').on('products').columns(['shop_id', 'handle']).execute();
    },
  };
}
