import type { Transaction } from 'kysely';
import type { Schema } from './schema.js';

/**
 * Takes the product's row lock for the rest of the transaction by touching updated_at. An UPDATE is
 * the first write on both engines: PostgreSQL locks the row, SQLite takes its write lock up front
 * (so a deferred transaction never has to upgrade and deadlock). Every mutation of a product's
 * images goes through here first, which serialises them per product. False when not found.
 */
export async function lockProduct(trx: Transaction<Schema>, shopId: string, productId: string, now: string): Promise<boolean> {
  const result = await trx
    .updateTable('products')
    .set({ updated_at: now })
    .where('id', '=', productId)
    .where('shop_id', '=', shopId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
