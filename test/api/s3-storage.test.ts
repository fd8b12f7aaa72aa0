import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createS3BlobStore } from '../../src/imaging/s3-blob-store.js';
import { createS3Client } from '../../src/imaging/s3-client.js';
import { nameFor } from '../imaging/blob-store-suite.js';
import { makeJpeg } from '../imaging/fixtures/images.js';
import { type Origin, send, startOrigin } from '../imaging/fixtures/origin-server.js';
import { BIN } from '../reliability/support-server.js';
import { startApi, type TestApi } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';
import { sampleValue } from '../support/metrics-text.js';
import { freshBucket, gatewayClient, s3Gateway, s3SkipNote } from '../support/s3.js';
import { WAIT_MS, within } from '../support/waiting.js';

const gateway = s3Gateway();
const S3_KEYS = ['AWS_ENDPOINT_URL_S3', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

/** The SDK reads its endpoint and keys from the environment, as in production: set them for this file's servers. */
function setS3Environment(values: Partial<Record<(typeof S3_KEYS)[number], string>>): void {
  for (const key of S3_KEYS) {
    if (values[key] === undefined) delete process.env[key];
    else process.env[key] = values[key];
  }
}

describe('S3 settings', () => {
  it('PRODIMG_BLOB_STORE=s3 without a bucket is refused at start, naming what is missing', () => {
    expect(() => loadConfig({ PRODIMG_BLOB_STORE: 's3' })).toThrow(ConfigError);
    expect(() => loadConfig({ PRODIMG_BLOB_STORE: 's3' })).toThrow(/needs PRODIMG_S3_BUCKET.*AWS_ENDPOINT_URL_S3, AWS_REGION/);
  });

  it('takes a bucket, a prefix (ending it with /) and path style; with another store, the bucket is the one `blobs migrate --to s3` copies into', () => {
    const config = loadConfig({ PRODIMG_BLOB_STORE: 's3', PRODIMG_S3_BUCKET: 'shop-images', PRODIMG_S3_PREFIX: 'prod', PRODIMG_S3_FORCE_PATH_STYLE: '1', AWS_REGION: 'us-east-1' });
    expect(config.s3).toEqual({ bucket: 'shop-images', prefix: 'prod/', forcePathStyle: true });
    expect(loadConfig({ PRODIMG_S3_BUCKET: 'shop-images', AWS_REGION: 'us-east-1' })).toMatchObject({ blobStore: 'local', s3: { bucket: 'shop-images', prefix: '' } });
    expect(loadConfig({}).s3).toBeUndefined();
    expect(() => loadConfig({ PRODIMG_S3_BUCKET: 'Shop_Images' })).toThrow(/PRODIMG_S3_BUCKET must be a bucket name/);
    expect(() => loadConfig({ PRODIMG_S3_PREFIX: '/abs' })).toThrow(/PRODIMG_S3_PREFIX must be a key prefix/);
  });
});

describe('AWS_REGION, which the AWS SDK needs before its first request', () => {
  /** A home directory with these AWS files in it (`.aws/credentials`, `.aws/config`). */
  const homeWith = (files: Record<string, string>) => {
    const home = mkdtempSync(join(tmpdir(), 'prodimg-aws-home-'));
    mkdirSync(join(home, '.aws'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(home, '.aws', name), text);
    return home;
  };
  const refusal =
    "the S3 store (PRODIMG_S3_BUCKET) needs AWS_REGION, or a region in the AWS profile: set it to the bucket's region, or for an on-premises store (Ceph RGW, MinIO) to any name, such as us-east-1 (the AWS SDK does not read AWS_DEFAULT_REGION)";

  it('missing, with a bucket set (the S3 store, or a migration into a bucket), is refused at start in one line', () => {
    const HOME = homeWith({});
    for (const env of [
      { PRODIMG_BLOB_STORE: 's3', PRODIMG_S3_BUCKET: 'shop-images', HOME },
      { PRODIMG_S3_BUCKET: 'shop-images', HOME },
      { PRODIMG_BLOB_STORE: 's3', PRODIMG_S3_BUCKET: 'shop-images', AWS_DEFAULT_REGION: 'eu-west-1', HOME },
    ]) {
      expect(() => loadConfig(env)).toThrow(new ConfigError(refusal));
    }
    expect(() => loadConfig({ PRODIMG_BLOB_STORE: 's3', PRODIMG_S3_BUCKET: 'shop-images', AWS_REGION: 'eu west' })).toThrow(/^AWS_REGION must be a region name/);
    // Without a bucket no S3 client is made: no region needed.
    expect(loadConfig({ HOME }).s3).toBeUndefined();
  });

  it("is taken from the AWS profile's files, where the SDK itself finds it", async () => {
    const credentialsHome = homeWith({ credentials: '[default]\naws_access_key_id = k\nregion = eu-central-1\n' });
    const configHome = homeWith({ config: '[default]\nregion = us-east-2\n\n[profile shop]\nregion = eu-north-1\n' });
    const bucket = { PRODIMG_BLOB_STORE: 's3', PRODIMG_S3_BUCKET: 'shop-images' };
    expect(loadConfig({ ...bucket, HOME: credentialsHome }).s3?.bucket).toBe('shop-images');
    expect(loadConfig({ ...bucket, HOME: configHome, AWS_PROFILE: 'shop' }).s3?.bucket).toBe('shop-images');
    expect(() => loadConfig({ ...bucket, HOME: configHome, AWS_PROFILE: 'other' })).toThrow(new ConfigError(refusal));
    expect(() => loadConfig({ ...bucket, HOME: configHome, AWS_CONFIG_FILE: join(credentialsHome, 'none') })).toThrow(new ConfigError(refusal));

    // The SDK reads the same places: its region provider, on files named as the settings above name them.
    const saved = { ...process.env };
    try {
      delete process.env.AWS_REGION;
      Object.assign(process.env, { AWS_SHARED_CREDENTIALS_FILE: join(credentialsHome, '.aws', 'credentials'), AWS_CONFIG_FILE: join(configHome, '.aws', 'config') });
      const sdk = new S3Client({});
      expect(await sdk.config.region()).toBe('eu-central-1');
      sdk.destroy();
      Object.assign(process.env, { AWS_SHARED_CREDENTIALS_FILE: join(configHome, 'none'), AWS_PROFILE: 'shop' });
      const profiled = new S3Client({});
      expect(await profiled.config.region()).toBe('eu-north-1');
      profiled.destroy();
    } finally {
      process.env = saved;
    }
  });
});

describe.skipIf(!gateway).each(DIALECTS)(`images in an S3 bucket (Ceph RGW) on %s${s3SkipNote()}`, (dialect) => {
  let api: TestApi;
  let origin: Origin;
  let client: S3Client;
  let bucket: string;
  let jpeg: Buffer;
  const prefix = `${dialect}/`;
  const keys = async () =>
    ((await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map((object) => object.Key!.slice(prefix.length)).sort();

  /** The body's bytes as sent (TestApi.call gives text). */
  const bytesOf = async (path: string, headers: Record<string, string> = {}) => Buffer.from(await (await fetch(api.base + path, { headers })).arrayBuffer());

  beforeAll(async () => {
    setS3Environment(gateway!);
    bucket = await freshBucket(gateway!, 's3-storage');
    client = gatewayClient(gateway!);
    jpeg = await makeJpeg(300, 200);
    origin = await startOrigin({ '/shirt.jpg': send(jpeg, 'image/jpeg') });
    api = await startApi(dialect, {
      env: {
        PRODIMG_INGEST: 'fetch',
        PRODIMG_ALLOW_PRIVATE_SOURCES: '1',
        PRODIMG_BLOB_STORE: 's3',
        PRODIMG_S3_BUCKET: bucket,
        PRODIMG_S3_PREFIX: prefix,
        PRODIMG_S3_FORCE_PATH_STYLE: '1',
        AWS_REGION: gateway!.AWS_REGION!,
        // No memory cache in front: every /cdn read below goes to the bucket.
        PRODIMG_BLOB_CACHE_MB: '0',
      },
    });
  });
  afterAll(async () => {
    await api.close();
    await origin.close();
    client.destroy();
  });

  it('stores a created image in the bucket and serves it from there: details, /cdn with Range and If-None-Match, a variant', async () => {
    const { id } = await api.product();
    const created = await api.call('POST', `products/${id}/images`, { image: { src: origin.url('/shirt.jpg') } });
    expect(created.statusCode).toBe(200);
    const image = created.json().image;
    expect(image.path).toBe(nameFor(jpeg, 'jpg'));
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: prefix + image.path }));
    expect((await api.call('GET', `products/${id}/images/${image.id}`)).json().image.width).toBe(300);

    const whole = await api.call('GET', `/cdn/${image.path}`);
    expect(whole.statusCode).toBe(200);
    expect(await bytesOf(`/cdn/${image.path}`)).toEqual(jpeg);
    expect(whole.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const ranged = await api.call('GET', `/cdn/${image.path}`, undefined, { range: 'bytes=2-11' });
    expect(ranged.statusCode).toBe(206);
    expect(ranged.headers['content-range']).toBe(`bytes 2-11/${jpeg.length}`);
    expect(ranged.headers['content-length']).toBe('10');
    expect(await bytesOf(`/cdn/${image.path}`, { range: 'bytes=2-11' })).toEqual(jpeg.subarray(2, 12));
    expect(await bytesOf(`/cdn/${image.path}`, { range: `bytes=-5` })).toEqual(jpeg.subarray(jpeg.length - 5));
    const again = await api.call('GET', `/cdn/${image.path}`, undefined, { 'if-none-match': String(whole.headers.etag) });
    expect(again.statusCode).toBe(304);

    const variant = await api.call('GET', `/cdn/${image.path.slice(0, 32)}_100x.jpg`);
    expect(variant.statusCode).toBe(200);
    expect(variant.headers['content-type']).toBe('image/jpeg');
    // The variant is stored after it is answered: wait for it to appear in the bucket.
    let waiting = true;
    await within(
      (async () => {
        while (waiting && (await keys()).length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
      })(),
      'the variant stored in the bucket',
    ).finally(() => {
      waiting = false;
    });
    expect(await keys()).toEqual([image.path, `${image.path.slice(0, 32)}_100x.jpg`].sort());

    const metrics = (await api.call('GET', '/metrics')).body;
    expect(sampleValue(metrics, 'prodimg_s3_requests_total', { operation: 'PutObject', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(sampleValue(metrics, 'prodimg_s3_request_duration_seconds_count', { operation: 'GetObject' })).toBeGreaterThanOrEqual(4);
  });

  it('deletes the file and its variants from the bucket with the last image using it', async () => {
    const { id } = await api.product();
    const image = (await api.call('POST', `products/${id}/images`, { image: { src: origin.url('/shirt.jpg') } })).json().image;
    expect((await api.call('GET', `/cdn/${image.path.slice(0, 32)}_160x.jpg`)).statusCode).toBe(200);
    // The first test's product still uses the same bytes: deleting this image keeps the file.
    expect((await api.call('DELETE', `products/${id}/images/${image.id}`)).statusCode).toBe(200);
    expect(await keys()).toContain(image.path);
    for (const product of (await api.call('GET', 'products')).json().products) {
      expect((await api.call('DELETE', `products/${product.id}`)).statusCode).toBe(200);
    }
    expect(await keys()).toEqual([]);
    expect((await api.call('GET', `/cdn/${image.path}`)).statusCode).toBe(404);
  });

  it('`prodimg gc` lists the bucket by prefix and removes what no image uses', async () => {
    const s3 = createS3Client({ forcePathStyle: true });
    const store = createS3BlobStore({ client: s3, bucket, prefix });
    const orphan = nameFor('nobody uses me', 'jpg');
    await store.put(orphan, Buffer.from('nobody uses me'));
    await store.put(nameFor('nobody uses me', 'webp', '_400x'), Buffer.from('x'));
    const { DATABASE_URL: _ignored, ...env } = process.env;
    const res = spawnSync(process.execPath, [BIN, 'gc'], {
      env: {
        ...env,
        PRODIMG_DATA_DIR: api.db.dataDir,
        ...(api.db.databaseUrl ? { DATABASE_URL: api.db.databaseUrl } : {}),
        PRODIMG_BLOB_STORE: 's3',
        PRODIMG_S3_BUCKET: bucket,
        PRODIMG_S3_PREFIX: prefix,
        PRODIMG_S3_FORCE_PATH_STYLE: '1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      encoding: 'utf8',
      timeout: WAIT_MS,
    });
    expect(res.status, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).removed.sort()).toEqual([orphan, nameFor('nobody uses me', 'webp', '_400x')].sort());
    expect(await keys()).toEqual([]);
    s3.destroy();
  });
});

describe.each(DIALECTS)('a bucket out of reach on %s', (dialect) => {
  let api: TestApi;
  let origin: Origin;
  beforeAll(async () => {
    // A port that was just free: the endpoint refuses every connection.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    setS3Environment({ AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' });
    origin = await startOrigin({ '/shirt.jpg': send(await makeJpeg(30, 20), 'image/jpeg') });
    api = await startApi(dialect, {
      env: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1', PRODIMG_BLOB_STORE: 's3', PRODIMG_S3_BUCKET: 'images', PRODIMG_S3_FORCE_PATH_STYLE: '1', AWS_REGION: 'us-east-1' },
    });
  });
  afterAll(async () => {
    await api.close();
    await origin.close();
    setS3Environment({});
  });

  it('answers a create 503 with Retry-After, and /readyz 503 naming the file store', async () => {
    const { id } = await api.product();
    const created = await api.call('POST', `products/${id}/images`, { image: { src: origin.url('/shirt.jpg') } });
    expect(created.statusCode).toBe(503);
    expect(created.headers['retry-after']).toBeDefined();
    expect(JSON.stringify(created.json())).toMatch(/S3 bucket images\) is out of reach \(ECONNREFUSED/);
    expect((await api.call('GET', `products/${id}/images`)).json().images).toEqual([]);
    const ready = await api.call('GET', '/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.blobs).toBe('failing');
    const metrics = (await api.call('GET', '/metrics')).body;
    expect(sampleValue(metrics, 'prodimg_s3_errors_total', { operation: 'PutObject', error: 'ECONNREFUSED' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(metrics, 'prodimg_s3_requests_total', { operation: 'PutObject', outcome: 'unavailable' })).toBeGreaterThanOrEqual(1);
  });
});
