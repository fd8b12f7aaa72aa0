import { createHash } from 'node:crypto';
import type { BlobStore } from './blob-store.js';
import type { ProbedImage } from './probe.js';
import type { WorkQueue } from './work-queue.js';

export interface StoredCheckedImage {
  /** `<md5 of the bytes>.<ext>`: the file's name in the library. */
  name: string;
  width: number;
  height: number;
}

/**
 * Checks bytes (a download's, an upload's) and stores them under their content address. The check
 * and the durable write both use libuv's threads (sharp, fsync): few at once, through `decodes`,
 * leaves threads for serving stored files. A file already stored is not written again.
 */
export async function storeChecked(
  bytes: Buffer,
  contentType: string | undefined,
  use: { blobs: BlobStore; decodes: WorkQueue; probe: (bytes: Buffer, contentType: string | undefined) => Promise<ProbedImage> },
): Promise<StoredCheckedImage> {
  const hash = createHash('md5').update(bytes).digest('hex');
  return use.decodes.run(async () => {
    const probed = await use.probe(bytes, contentType);
    const name = `${hash}.${probed.format.ext}`;
    if (!(await use.blobs.has(name))) await use.blobs.put(name, bytes);
    return { name, width: probed.width, height: probed.height };
  });
}
