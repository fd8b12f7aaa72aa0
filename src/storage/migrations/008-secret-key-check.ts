import type { Kysely, Migration } from 'kysely';

/** One value sealed with the servers' secret key, so a server started with another key is refused (secret-box.ts). */
export function secretKeyCheck(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('secret_key_check')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
