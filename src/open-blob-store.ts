import { join } from 'node:path';
import type { Config } from './config.js';
import type { BlobStore } from './imaging/blob-store.js';
import { createLocalBlobStore } from './imaging/local-blob-store.js';
import { createS3BlobStore } from './imaging/s3-blob-store.js';
import { createS3Client } from './imaging/s3-client.js';
import type { Database } from './storage/database.js';
import { createDatabaseBlobStore } from './storage/database-blob-store.js';

/**
 * The configured home of image files: the data directory, the database's blobs table, or an S3
 * bucket. It sits
 * beside config.ts, outside every layer, because it picks between an imaging adapter and a storage
 * one, and both entry points (server and cli) need it.
 */
export function openBlobStore(config: Config, database: Database): BlobStore {
  if (config.blobStore === 'database') return createDatabaseBlobStore(database.db);
  if (config.blobStore === 's3') {
    const { bucket, prefix, forcePathStyle } = config.s3!;
    return createS3BlobStore({ client: createS3Client({ forcePathStyle }), bucket, prefix });
  }
  return createLocalBlobStore(join(config.dataDir, 'images'));
}
