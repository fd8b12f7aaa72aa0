import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

const BATCH = 1000;

/** Every distinct image path, walked in index order a batch at a time (constant memory). */
export async function* distinctImagePaths(db: Kysely<Schema>): AsyncIterable<string> {
  let after = '';
  for (;;) {
    const rows = await db.selectFrom('images').select('path').distinct().where('path', '>', after).orderBy('path').limit(BATCH).execute();
    for (const row of rows) yield row.path;
    const last = rows[rows.length - 1];
    if (!last || rows.length < BATCH) return;
    after = last.path;
  }
}

export async function imageIdsUsingPath(db: Kysely<Schema>, path: string): Promise<string[]> {
  const rows = await db.selectFrom('images').select('id').where('path', '=', path).orderBy('id').limit(100).execute();
  return rows.map((row) => row.id);
}
