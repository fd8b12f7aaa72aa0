import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectName } from '../dialect-name.js';

/**
 * Store-limited admin keys (issue 22): `prodimg admin-key create --shop S` keeps the store's id here;
 * null is a key for every store, as every key made before this step is. No foreign key: a stand-in's
 * reset deletes and puts back its stores with the same ids while keeping admin keys, which a
 * constraint would refuse (or cascade away). Removing a store removes its keys explicitly
 * (shop-repository.ts), and a key naming no store manages nothing.
 */
export function adminKeyShop(dialect: DialectName): Migration {
  const uuid = dialect === 'postgres' ? sql`uuid` : sql`text`;
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('admin_keys').addColumn('shop_id', uuid).execute();
    },
  };
}
