import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectName } from '../dialect-name.js';

/**
 * `prodimg mirror` (issue 16): for each local store and each source it mirrors (the source's base
 * URL), the `updated_at_min` its next incremental pass asks for, written only after a pass that
 * finished.
 */
export function mirrorSources(dialect: DialectName): Migration {
  const uuid = dialect === 'postgres' ? sql`uuid` : sql`text`;
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('mirror_sources')
        .addColumn('shop_id', uuid, (c) => c.notNull().references('shops.id').onDelete('cascade'))
        .addColumn('source_url', 'text', (c) => c.notNull())
        .addColumn('updated_at_min', 'text')
        .addColumn('finished_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('mirror_sources_pk', ['shop_id', 'source_url'])
        .execute();
    },
  };
}
