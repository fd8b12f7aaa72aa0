import type { Kysely, Migration } from 'kysely';

/** Tokens that fill the rate-limit buckets (`prodimg tokens create --rate-limited`); existing tokens are not limited. */
export function rateLimitedTokens(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('access_tokens').addColumn('rate_limited', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  };
}
