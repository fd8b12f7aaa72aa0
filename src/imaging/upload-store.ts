import { validation } from '../domain/errors.js';
import type { BlobStore } from './blob-store.js';
import { failureMessage } from './failure-message.js';
import { ProbeFailure, probeImage } from './probe.js';
import { storeChecked, type StoredCheckedImage } from './store-checked.js';
import type { WorkQueue } from './work-queue.js';

/**
 * A file uploaded from the admin page goes through the same check and store as a downloaded one
 * (store-checked.ts); the image is then created from its library name, so the rest is the API's path.
 */
export function createUploadStore(use: { blobs: BlobStore; decodes: WorkQueue; maxPixels: number }): (bytes: Buffer, contentType: string | undefined) => Promise<StoredCheckedImage> {
  const probe = (bytes: Buffer, contentType: string | undefined) =>
    probeImage(bytes, contentType, use.maxPixels).catch((error: unknown) => {
      if (error instanceof ProbeFailure) throw validation([failureMessage(error.reason).replace(/^Src/, 'The file')]);
      throw error;
    });
  return (bytes, contentType) => storeChecked(bytes, contentType, { blobs: use.blobs, decodes: use.decodes, probe });
}
