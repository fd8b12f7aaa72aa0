import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { assertBlobHash, assertBlobName, type BlobStore, isBlobName, type StoredBlob } from './blob-store.js';
import { s3Error, s3Status } from './s3-client.js';
import { FORMATS } from './sniff.js';

export interface S3BlobStoreOptions {
  client: S3Client;
  bucket: string;
  /** Put before every name (`shop-images/`): several libraries, or other data, can share one bucket. */
  prefix?: string;
  /** Bodies at least this large go up in parts (lib-storage), several at once. */
  multipartBytes?: number;
}

/** S3's limit on the keys of one DeleteObjects. */
const DELETE_BATCH = 1000;
/** checkWritable's object: a dot name (never a blob's), one fixed key, so overlapping probes leave one at most. */
const WRITE_PROBE = '.write-probe';
const PART_BYTES = 8 * 1024 * 1024;

const MIME_BY_EXT = new Map<string, string>(Object.values(FORMATS).map((format) => [format.ext, format.mime]));

/**
 * Blobs as objects of an S3 bucket, keyed `<prefix><name>`. Names are content addresses, so a write
 * is conditional (`If-None-Match: *`): the first copy stays, a second put of the name is a 412 and
 * nothing to do. An object appears whole or not at all, so a crash mid-put leaves nothing behind,
 * except a multipart upload that never completed: sweepUnfinished aborts those. An original and its
 * variants share a key prefix (the hash), so a family is one listing and one batch delete.
 */
export function createS3BlobStore(options: S3BlobStoreOptions): BlobStore {
  const { client, bucket } = options;
  const prefix = options.prefix ?? '';
  const multipartBytes = options.multipartBytes ?? 16 * 1024 * 1024;
  const keyOf = (name: string) => {
    assertBlobName(name);
    return prefix + name;
  };
  /** Runs one S3 request; a bucket out of reach becomes StorageUnavailable (s3-client.ts). */
  const send = async <T>(request: () => Promise<T>): Promise<T> => {
    try {
      return await request();
    } catch (error) {
      throw s3Error(error, bucket);
    }
  };
  const missing = (error: unknown) => s3Status(error) === 404;

  async function* keysUnder(start: string): AsyncGenerator<string> {
    let token: string | undefined;
    do {
      const page = await send(() => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: start, ContinuationToken: token })));
      for (const object of page.Contents ?? []) if (object.Key !== undefined) yield object.Key;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /** A ranged GET: the last 64 KiB of a 5 MiB object in a tenth of the time of reading it all and cutting. */
  function rangeOf(key: string, start: number, end: number): Readable {
    async function* bytes(): AsyncGenerator<Buffer> {
      const object = await send(() => client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end}` })));
      yield* object.Body as AsyncIterable<Buffer>;
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  async function deleteKeys(keys: string[]): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const result = await send(() =>
        client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: false } })),
      );
      if (result.Errors?.length) {
        const first = result.Errors[0]!;
        throw new Error(`S3 DeleteObjects in bucket ${bucket} refused ${result.Errors.length} of ${batch.length} keys, e.g. ${first.Key}: ${first.Code} ${first.Message ?? ''}`);
      }
      deleted += result.Deleted?.length ?? 0;
    }
    return deleted;
  }

  return {
    async put(name, bytes) {
      const key = keyOf(name);
      const ContentType = MIME_BY_EXT.get(name.slice(name.lastIndexOf('.') + 1));
      if (bytes.length >= multipartBytes) {
        // lib-storage's parts carry no condition: ask first, so a stored name is not written again.
        if (await this.has(name)) return;
        const upload = new Upload({ client, params: { Bucket: bucket, Key: key, Body: bytes, ContentType }, partSize: PART_BYTES, queueSize: 4 });
        await send(() => upload.done());
        return;
      }
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentType, IfNoneMatch: '*' }));
      } catch (error) {
        // 412: already stored; 409: another conditional write of the same name is under way.
        const status = s3Status(error);
        if (status === 412 || status === 409) return;
        throw s3Error(error, bucket);
      }
    },

    async get(name) {
      const key = keyOf(name);
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await object.Body!.transformToByteArray());
      } catch (error) {
        if (missing(error)) return null;
        throw s3Error(error, bucket);
      }
    },

    async stream(name): Promise<StoredBlob | null> {
      const key = keyOf(name);
      try {
        // One request gives both: the size and the bytes of the same object.
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return { size: object.ContentLength!, body: object.Body as Readable, range: (start, end) => rangeOf(key, start, end) };
      } catch (error) {
        if (missing(error)) return null;
        throw s3Error(error, bucket);
      }
    },

    async has(name) {
      const key = keyOf(name);
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return true;
      } catch (error) {
        if (missing(error)) return false;
        throw s3Error(error, bucket);
      }
    },

    async delete(name) {
      // S3's delete answers alike whether or not the key existed; the port says which.
      if (!(await this.has(name))) return false;
      await send(() => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(name) })));
      return true;
    },

    async deleteFamily(hash) {
      assertBlobHash(hash);
      const keys: string[] = [];
      for await (const key of keysUnder(prefix + hash)) if (isBlobName(key.slice(prefix.length))) keys.push(key);
      return deleteKeys(keys);
    },

    async sweepUnfinished(olderThanMs) {
      const cutoff = Date.now() - olderThanMs;
      let removed = 0;
      let keyMarker: string | undefined;
      let uploadMarker: string | undefined;
      do {
        const page = await send(() =>
          client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadMarker })),
        );
        for (const upload of page.Uploads ?? []) {
          // Younger ones may be a put still under way in another server.
          if (upload.Initiated === undefined || upload.Initiated.getTime() >= cutoff) continue;
          await send(() => client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId })));
          removed++;
        }
        keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        uploadMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
      } while (keyMarker !== undefined);
      return removed;
    },

    async checkWritable() {
      const Key = prefix + WRITE_PROBE;
      await send(() => client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Buffer.alloc(1) })));
      await send(() => client.send(new DeleteObjectCommand({ Bucket: bucket, Key })));
    },

    async *list() {
      // Other keys under the prefix (the write probe, anything not ours) are not blobs: never listed.
      for await (const key of keysUnder(prefix)) {
        const name = key.slice(prefix.length);
        if (isBlobName(name)) yield name;
      }
    },
  };
}
