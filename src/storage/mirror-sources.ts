import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

/** What `prodimg mirror` keeps between runs, per local store and source base URL, and the local side it prunes. */
export class MirrorSources {
  constructor(private readonly db: Kysely<Schema>) {}

  /** The `updated_at_min` the last finished pass from this source left for the next, or null (none yet: a full pass). */
  async nextPoint(shopId: string, sourceUrl: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('mirror_sources')
      .select('updated_at_min')
      .where('shop_id', '=', shopId)
      .where('source_url', '=', sourceUrl)
      .executeTakeFirst();
    return row?.updated_at_min ?? null;
  }

  /** Written after a pass that finished, never during one. */
  async record(shopId: string, sourceUrl: string, point: string | null, now: string): Promise<void> {
    await this.db
      .insertInto('mirror_sources')
      .values({ shop_id: shopId, source_url: sourceUrl, updated_at_min: point, finished_at: now })
      .onConflict((oc) => oc.columns(['shop_id', 'source_url']).doUpdateSet({ updated_at_min: point, finished_at: now }))
      .execute();
  }

  /** Every product of the local store by id and handle: what a prune compares with the source's handles. */
  async localHandles(shopId: string): Promise<Array<{ id: string; handle: string }>> {
    return this.db.selectFrom('products').select(['id', 'handle']).where('shop_id', '=', shopId).orderBy('id').execute();
  }
}
