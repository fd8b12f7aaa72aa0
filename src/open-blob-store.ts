import { join } from 'node:path';
import type { Config } from './config.js';
import type { BlobStore } from './imaging/blob-store.js';
import { createLocalBlobStore } from './imaging/local-blob-store.js';
import type { Database } from './storage/database.js';
import { createDatabaseBlobStore } from './storage/database-blob-store.js';

/**
 * The configured home of image files: the data directory, or the database's blobs table. It sits
 * beside config.ts, outside every layer, because it picks between an imaging adapter and a storage
 * one, and both entry points (server and cli) need it.
 */
export function openBlobStore(config: Config, database: Database): BlobStore {
  return config.blobStore === 'database' ? createDatabaseBlobStore(database.db) : createLocalBlobStore(join(config.dataDir, 'images'));
}
