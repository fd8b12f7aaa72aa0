import type { Kysely, Migration } from 'kysely';
import { SHOP_DEFAULTS } from '../../domain/shop-details.js';

/**
 * The few store details the shop endpoint answers that a merchant sets (`prodimg shops create
 * --email --currency --timezone`); stores made before this step get the defaults. The rest of the
 * platform's shop fields are made at answer time (contract/operations/shop.ts).
 */
export function shopDetails(): Migration {
  return {
    async up(db: Kysely<any>) {
      for (const column of ['email', 'currency', 'timezone'] as const) {
        await db.schema.alterTable('shops').addColumn(column, 'text', (c) => c.notNull().defaultTo(SHOP_DEFAULTS[column])).execute();
      }
    },
  };
}
