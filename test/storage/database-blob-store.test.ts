import { afterAll, describe } from 'vitest';
import { createDatabaseBlobStore } from '../../src/storage/database-blob-store.js';
import { blobStoreSuite } from '../imaging/blob-store-suite.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';

for (const dialect of DIALECTS) {
  describe(`database blob store on ${dialect}`, () => {
    // One fresh database per dialect; each test of the suite starts from an empty blobs table.
    let shared: Promise<TestDatabase> | undefined;
    afterAll(async () => {
      if (shared) await (await shared).drop();
    });
    blobStoreSuite(`database (${dialect})`, async () => {
      shared ??= freshDatabase(dialect);
      const { database } = await shared;
      await database.db.deleteFrom('blobs').execute();
      return { store: createDatabaseBlobStore(database.db), dispose: async () => {} };
    });
  });
}
