import type { Kysely, Migration } from 'kysely';
import { newTokenPublicId } from '../../domain/token-public-id.js';
import type { DialectName } from '../dialect-name.js';

/**
 * A short public id for each access token, so one can be listed and revoked without its secret
 * (only the token's hash is stored, and that must not be shown either). Existing tokens get one.
 */
export function tokenPublicId(_dialect: DialectName): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('access_tokens').addColumn('public_id', 'text').execute();
      const rows = await db.selectFrom('access_tokens').select('token_hash').execute();
      for (const row of rows as Array<{ token_hash: string }>) {
        await db.updateTable('access_tokens').set({ public_id: newTokenPublicId() }).where('token_hash', '=', row.token_hash).execute();
      }
      await db.schema.createIndex('access_tokens_public_id').on('access_tokens').column('public_id').unique().execute();
    },
  };
}
