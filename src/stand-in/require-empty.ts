import type { Database } from '../storage/database.js';

/** A stand-in starts from its seed alone, and a reset wipes what is there: it never takes a database that holds stores. */
export async function requireEmpty(database: Database, what: string): Promise<void> {
  const row = await database.db.selectFrom('shops').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  const stores = Number(row.n);
  if (stores > 0) throw new Error(`${what} already holds ${stores} store(s); a stand-in starts from an empty database (a reset would delete them)`);
}
