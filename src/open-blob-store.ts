import { join } from 'node:path';
import type { Config } from './config.js';
import type { BlobStore } from './imaging/blob-store.js';
import { createLazyBlobStore } from './imaging/lazy-blob-store.js';
import { createLocalBlobStore } from './imaging/local-blob-store.js';
import type { S3RequestRecorder } from './imaging/s3-client.js';
import type { Database } from './storage/database.js';
import { createDatabaseBlobStore } from './storage/database-blob-store.js';

/**
 * The configured home of image files: the data directory, the database's blobs table, or an S3
 * bucket (its requests told to `s3Requests`, the server's metrics; the AWS SDK loaded on first
 * use). It sits beside config.ts, outside every layer, because it picks between imaging adapters
 * and a storage one, and both entry points (server and cli) need it.
 */
export function openBlobStore(config: Config, database: Database, s3Requests?: S3RequestRecorder): BlobStore {
  if (config.blobStore === 'database') return createDatabaseBlobStore(database.db);
  if (config.blobStore === 's3') {
    const { bucket, prefix, forcePathStyle } = config.s3!;
    return createLazyBlobStore(async () => {
      const [{ createS3BlobStore }, { createS3Client }] = await Promise.all([import('./imaging/s3-blob-store.js'), import('./imaging/s3-client.js')]);
      return createS3BlobStore({ client: createS3Client({ forcePathStyle }, s3Requests), bucket, prefix });
    });
  }
  return createLocalBlobStore(join(config.dataDir, 'images'));
}
