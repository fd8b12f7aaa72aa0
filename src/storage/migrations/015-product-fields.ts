import type { Kysely, Migration } from 'kysely';
import { PRODUCT_SETTING_DEFAULTS } from '../../domain/entities.js';
import { VARIANT_DEFAULTS } from '../../domain/variant-rules.js';
import { PRODUCT_FLAGS } from '../product-flags.js';

/**
 * The platform's other product and variant fields (issue 23): brief, shipping, tax, SEO, inventory
 * settings, SPU and fake sales on products; note and cost price on variants. Every column is NOT NULL
 * with the value a new product or variant gets, so rows stored before this step answer exactly what
 * a create without those fields would have made. Flags are 0/1 integers, as `published` is.
 */
export function productFields(): Migration {
  return {
    async up(db: Kysely<any>) {
      const flags: ReadonlySet<string> = new Set(PRODUCT_FLAGS);
      for (const [name, value] of Object.entries(PRODUCT_SETTING_DEFAULTS)) {
        const stored = flags.has(name) ? (value ? 1 : 0) : value;
        const type = typeof stored === 'number' ? 'integer' : 'text';
        await db.schema.alterTable('products').addColumn(name, type, (c) => c.notNull().defaultTo(stored)).execute();
      }
      for (const name of ['cost_price', 'note'] as const) {
        await db.schema.alterTable('variants').addColumn(name, 'text', (c) => c.notNull().defaultTo(VARIANT_DEFAULTS[name])).execute();
      }
    },
  };
}
