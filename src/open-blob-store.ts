import { join } from 'node:path';
import type { BlobStoreKind, Config } from './config.js';
import type { BlobStore } from './imaging/blob-store.js';
import { createLocalBlobStore } from './imaging/local-blob-store.js';
import type { Database } from './storage/database.js';
import { createDatabaseBlobStore } from './storage/database-blob-store.js';

/** A kind this build cannot open; the CLI reports its message as a setting to fix. */
export class BlobStoreNotBuilt extends Error {
  override name = 'BlobStoreNotBuilt';
}

/**
 * The one factory of image stores, keyed by kind: the server's store and a migration's target both
 * come from here, so a new kind is one case below. It sits beside config.ts, outside every layer,
 * because it picks between an imaging adapter and a storage one, and both entry points (server and
 * cli) need it.
 */
export function openBlobStoreOfKind(kind: BlobStoreKind, config: Config, database: Database): BlobStore {
  switch (kind) {
    case 'local':
      return createLocalBlobStore(join(config.dataDir, 'images'));
    case 'database':
      return createDatabaseBlobStore(database.db);
    case 's3':
      throw new BlobStoreNotBuilt('this build of prodimg has no S3 blob store yet (issue 24); the stores it has are local and database');
  }
}

/** The configured home of image files (PRODIMG_BLOB_STORE): the data directory, or the database's blobs table. */
export function openBlobStore(config: Config, database: Database): BlobStore {
  return openBlobStoreOfKind(config.blobStore, config, database);
}
