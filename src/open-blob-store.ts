import { join } from 'node:path';
import type { BlobStoreKind, Config } from './config.js';
import type { BlobStore } from './imaging/blob-store.js';
import { createLazyBlobStore } from './imaging/lazy-blob-store.js';
import { createLocalBlobStore } from './imaging/local-blob-store.js';
import type { S3RequestRecorder } from './imaging/s3-client.js';
import type { Database } from './storage/database.js';
import { createDatabaseBlobStore } from './storage/database-blob-store.js';

/** A kind whose settings are missing; the CLI reports its message as a setting to fix. */
export class BlobStoreNotConfigured extends Error {
  override name = 'BlobStoreNotConfigured';
}

/**
 * The one factory of image stores, keyed by kind: the server's store and a migration's target both
 * come from here, so a new kind is one case below. An S3 store tells its requests to `s3Requests`
 * (the server's metrics) and loads the AWS SDK on first use. It sits beside config.ts, outside every
 * layer, because it picks between imaging adapters and a storage one, and both entry points (server
 * and cli) need it.
 */
export function openBlobStoreOfKind(kind: BlobStoreKind, config: Config, database: Database, s3Requests?: S3RequestRecorder): BlobStore {
  switch (kind) {
    case 'local':
      return createLocalBlobStore(join(config.dataDir, 'images'));
    case 'database':
      return createDatabaseBlobStore(database.db);
    case 's3': {
      if (config.s3 === undefined) {
        throw new BlobStoreNotConfigured(
          "set PRODIMG_S3_BUCKET to the bucket's name (and the AWS SDK's settings: AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)",
        );
      }
      const { bucket, prefix, forcePathStyle } = config.s3;
      return createLazyBlobStore(async () => {
        const [{ createS3BlobStore }, { createS3Client }] = await Promise.all([import('./imaging/s3-blob-store.js'), import('./imaging/s3-client.js')]);
        return createS3BlobStore({ client: createS3Client({ forcePathStyle }, s3Requests), bucket, prefix });
      });
    }
  }
}

/** The configured home of image files (PRODIMG_BLOB_STORE): the data directory, the database's blobs table, or a bucket. */
export function openBlobStore(config: Config, database: Database, s3Requests?: S3RequestRecorder): BlobStore {
  return openBlobStoreOfKind(config.blobStore, config, database, s3Requests);
}
