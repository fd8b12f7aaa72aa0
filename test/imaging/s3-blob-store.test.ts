import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { buffer } from 'node:stream/consumers';
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { createS3BlobStore } from '../../src/imaging/s3-blob-store.js';
import { createS3Client } from '../../src/imaging/s3-client.js';
import { freshBucket, gatewayClient, s3Gateway, s3SkipNote } from '../support/s3.js';
import { blobStoreSuite, listAll, nameFor } from './blob-store-suite.js';

const gateway = s3Gateway();

/** The SDK reads its endpoint and keys from the environment, as in production: these tests set the gateway's. */
function useGatewayEnvironment(): void {
  for (const [key, value] of Object.entries(gateway!)) process.env[key] = value;
}

describe.skipIf(!gateway)(`S3 blob store on Ceph RGW${s3SkipNote()}`, () => {
  let bucket = '';
  const client = () => createS3Client({ forcePathStyle: true });
  beforeAll(async () => {
    useGatewayEnvironment();
    bucket = await freshBucket(gateway!, 's3-blob-store');
  });

  // Each fixture gets its own prefix of the file's bucket: a fresh, empty store.
  blobStoreSuite('S3 (Ceph RGW)', async () => {
    const s3 = client();
    return { store: createS3BlobStore({ client: s3, bucket, prefix: `suite-${randomBytes(4).toString('hex')}/` }), dispose: async () => s3.destroy() };
  });

  it('keeps libraries under different prefixes of one bucket apart, and lists no other key', async () => {
    const s3 = client();
    const a = createS3BlobStore({ client: s3, bucket, prefix: 'a/' });
    const b = createS3BlobStore({ client: s3, bucket, prefix: 'b/' });
    const bytes = Buffer.from('prefixed');
    await a.put(nameFor(bytes), bytes);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a/notes.txt', Body: 'not a blob' }));
    await a.checkWritable!();
    expect(await listAll(a)).toEqual([nameFor(bytes)]);
    expect(await b.has(nameFor(bytes))).toBe(false);
    expect(await b.deleteFamily(nameFor(bytes).slice(0, 32))).toBe(0);
    expect(await a.has(nameFor(bytes))).toBe(true);
    s3.destroy();
  });

  it('reads a range of a stored object with a ranged GET, not from the start', async () => {
    const s3 = client();
    const store = createS3BlobStore({ client: s3, bucket, prefix: 'ranges/' });
    const bytes = randomBytes(300_000);
    const name = nameFor(bytes, 'jpg');
    await store.put(name, bytes);
    const blob = await store.stream(name);
    expect(blob?.range).toBeDefined();
    blob!.body.destroy();
    expect((await buffer(blob!.range!(299_990, 299_999))).equals(bytes.subarray(299_990))).toBe(true);
    expect((await buffer(blob!.range!(0, 0))).equals(bytes.subarray(0, 1))).toBe(true);
    s3.destroy();
  });

  it('puts a large body in parts, and reads it back whole', async () => {
    const s3 = client();
    const store = createS3BlobStore({ client: s3, bucket, prefix: 'multipart/', multipartBytes: 5 * 1024 * 1024 });
    const big = randomBytes(11 * 1024 * 1024);
    const name = nameFor(big, 'jpg');
    await store.put(name, big);
    await store.put(name, big);
    expect((await store.get(name))!.equals(big)).toBe(true);
    s3.destroy();
  });

  it('aborts multipart uploads older than the bound in the sweep, and leaves younger ones', async () => {
    const s3 = client();
    const store = createS3BlobStore({ client: s3, bucket, prefix: 'sweep/' });
    const name = nameFor('interrupted', 'jpg');
    // A put that crashed after its first part: the upload stays open, holding its parts.
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: `sweep/${name}` }));
    await s3.send(new UploadPartCommand({ Bucket: bucket, Key: `sweep/${name}`, UploadId, PartNumber: 1, Body: randomBytes(5 * 1024 * 1024) }));
    const open = async () => (await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'sweep/' }))).Uploads ?? [];
    expect(await store.sweepUnfinished!(60 * 60 * 1000)).toBe(0);
    expect(await open()).toHaveLength(1);
    // The gateway's clock and ours are the same machine's: "older than -1 minute" takes everything.
    expect(await store.sweepUnfinished!(-60_000)).toBe(1);
    expect(await open()).toHaveLength(0);
    expect(await store.has(name)).toBe(false);
    s3.destroy();
  });

  it('answers a missing bucket with StorageUnavailable, naming it', async () => {
    const s3 = client();
    const store = createS3BlobStore({ client: s3, bucket: 'no-such-bucket-here' });
    await expect(store.put(nameFor('x'), Buffer.from('x'))).rejects.toMatchObject({
      code: 'StorageUnavailable',
      messages: [expect.stringContaining('(S3 bucket no-such-bucket-here) is out of reach (404 NoSuchBucket')],
    });
    s3.destroy();
  });

  afterAll(() => {
    for (const key of Object.keys(gateway ?? {})) delete process.env[key];
  });
});

describe('S3 blob store with its bucket out of reach', () => {
  it('gives up on an endpoint that takes the connection and never answers, after its timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${(silent.address() as { port: number }).port}`, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' });
    const s3 = createS3Client({ forcePathStyle: true, requestTimeoutMs: 300 });
    try {
      const store = createS3BlobStore({ client: s3, bucket: 'images' });
      await expect(store.has(nameFor('silent'))).rejects.toMatchObject({ code: 'StorageUnavailable' });
      // The SDK's three attempts each waited for the timeout: the request ended, it did not hang.
      expect(sockets.length).toBe(3);
    } finally {
      s3.destroy();
      process.env = saved;
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('answers a refused connection with StorageUnavailable at once, in every method', async () => {
    // A port that was just free: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' });
    const s3 = createS3Client({ forcePathStyle: true });
    const store = createS3BlobStore({ client: s3, bucket: 'images', prefix: 'p/' });
    const name = nameFor('unreachable');
    const calls = [
      () => store.put(name, Buffer.from('unreachable')),
      () => store.get(name),
      () => store.stream(name),
      () => store.has(name),
      () => store.delete(name),
      () => store.deleteFamily(name.slice(0, 32)),
      () => store.checkWritable!(),
      () => store.sweepUnfinished!(0),
      () => listAll(store),
    ];
    for (const call of calls) {
      const error = await call().then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ code: 'StorageUnavailable', messages: [expect.stringContaining('S3 bucket images) is out of reach (ECONNREFUSED')] });
    }
    s3.destroy();
    process.env = saved;
  });
});
