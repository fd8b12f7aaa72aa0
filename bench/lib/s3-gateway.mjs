// The bench's S3: one throwaway Ceph RADOS Gateway (scripts/s3-gateway.sh) for the whole run, its
// buckets made with the SDK, its daemons measured like any other system's processes.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { ROOT } from './prodimg.mjs';

const run = promisify(execFile);
const SCRIPT = join(ROOT, 'scripts/s3-gateway.sh');
const RADOSGW = '/usr/bin/radosgw';

/** Why the S3 scenarios cannot run here, or null. */
export function s3Unavailable() {
  return existsSync(RADOSGW) ? null : `no ${RADOSGW} (apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw ceph-common; .ci/run installs them)`;
}

/**
 * Starts a gateway in a new temp directory on a free range of 22 ports. Resolves to its settings
 * (AWS_ENDPOINT_URL_S3, keys, ...), `dir`, `stop()`, and `daemons`: the radosgw and OSD processes
 * that serve a GET, as handles whose CPU and peak RSS measure.mjs can read. A range in use (exit
 * code 3) is retried on another; so is one start that failed otherwise, once: on this shared 2-core
 * VM under a load of 12, radosgw has missed the script's 30 s bound about one start in eight.
 */
export async function startS3Gateway() {
  for (let failures = 0; ; failures++) {
    try {
      return await startOnce();
    } catch (error) {
      if (failures >= 1) throw error;
      process.stderr.write(`bench: ${error.message.split('\n').at(-1)}; starting the S3 gateway again\n`);
    }
  }
}

async function startOnce() {
  const dir = mkdtempSync(join(tmpdir(), 'prodimg-bench-s3-'));
  for (let attempt = 0; ; attempt++) {
    const port = 20_000 + 22 * Math.floor(Math.random() * 1800);
    try {
      const { stdout } = await run(SCRIPT, ['start', dir, String(port)]);
      const settings = Object.fromEntries(stdout.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
      const daemon = (name) => ({ name, pid: Number(readFileSync(join(dir, 'run', `${name}.pid`), 'utf8')) });
      let stopped = false;
      return {
        settings,
        dir,
        daemons: [daemon('rgw'), daemon('osd')],
        async stop() {
          if (stopped) return;
          stopped = true;
          await run(SCRIPT, ['stop', dir]);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      if (error.code !== 3 || attempt >= 5) {
        // Interrupted part-way (Ctrl-C reaches the script too), daemons may have started.
        await run(SCRIPT, ['stop', dir]).catch(() => {});
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`scripts/s3-gateway.sh start failed: ${(error.stderr || error.message).trim()}`);
      }
    }
  }
}

/** An S3 client on the gateway, set as prodimg's S3 store sets its own. */
function client(settings) {
  return new S3Client({
    endpoint: settings.AWS_ENDPOINT_URL_S3,
    region: settings.AWS_REGION,
    credentials: { accessKeyId: settings.AWS_ACCESS_KEY_ID, secretAccessKey: settings.AWS_SECRET_ACCESS_KEY },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * A new bucket named after `label`; with `publicRead`, a policy lets anyone GET its objects, so
 * autocannon can fetch one straight from the gateway without signing each request.
 */
export async function createBucket(settings, label, { publicRead = false } = {}) {
  const bucket = `bench-${label}-${randomBytes(4).toString('hex')}`;
  const s3 = client(settings);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    if (publicRead) {
      const Policy = JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }],
      });
      await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy }));
    }
  } finally {
    s3.destroy();
  }
  return bucket;
}

/** What a prodimg store needs to keep its files in `bucket` of the gateway. */
export function s3StoreEnv(settings, bucket) {
  return { ...settings, PRODIMG_BLOB_STORE: 's3', PRODIMG_S3_BUCKET: bucket };
}
