import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { systemClock } from '../domain/clock.js';
import { assertBlobHash, assertBlobName, blobHash, type BlobStore } from '../imaging/blob-store.js';
import type { Schema } from './schema.js';

const LIST_BATCH = 1000;

/**
 * Blobs as rows of the `blobs` table, so every server process on one PostgreSQL sees the same files
 * (it works on SQLite too, which is how its tests run on both). A row is inserted whole in one
 * statement, so a crash never leaves half a file under a name.
 */
export function createDatabaseBlobStore(db: Kysely<Schema>): BlobStore {
  const store: BlobStore = {
    async put(name, bytes) {
      assertBlobName(name);
      await db
        .insertInto('blobs')
        .values({ name, hash: blobHash(name), size: bytes.byteLength, bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), created_at: systemClock() })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
    },

    async get(name) {
      assertBlobName(name);
      const row = await db.selectFrom('blobs').select('bytes').where('name', '=', name).executeTakeFirst();
      return row ? Buffer.from(row.bytes) : null;
    },

    async stream(name) {
      const bytes = await store.get(name);
      return bytes ? { size: bytes.length, body: Readable.from([bytes]) } : null;
    },

    async has(name) {
      assertBlobName(name);
      const row = await db.selectFrom('blobs').select('name').where('name', '=', name).executeTakeFirst();
      return row !== undefined;
    },

    async delete(name) {
      assertBlobName(name);
      const result = await db.deleteFrom('blobs').where('name', '=', name).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async deleteFamily(hash) {
      assertBlobHash(hash);
      const result = await db.deleteFrom('blobs').where('hash', '=', hash).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async *list() {
      let after = '';
      for (;;) {
        const rows = await db.selectFrom('blobs').select('name').where('name', '>', after).orderBy('name').limit(LIST_BATCH).execute();
        for (const row of rows) yield row.name;
        const last = rows[rows.length - 1];
        if (!last || rows.length < LIST_BATCH) return;
        after = last.name;
      }
    },
  };
  return store;
}
