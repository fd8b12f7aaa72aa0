import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { freshBucket, gatewayClient, s3Gateway, s3SkipNote } from '../support/s3.js';
import { S3_GATEWAY_SCRIPT, startS3Gateway, stopS3Gateway } from '../support/s3-gateway.js';

const run = promisify(execFile);
const gateway = s3Gateway();

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!gateway)(`scripts/s3-gateway.sh, the run's Ceph RADOS Gateway${s3SkipNote()}`, () => {
  it('answers S3: a conditional put refuses a second write (412) and a ranged get gives the range', async () => {
    const bucket = await freshBucket(gateway!, 's3-gateway');
    const client = gatewayClient(gateway!);
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: Buffer.from('hello'), IfNoneMatch: '*' }));
      const again = client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: Buffer.from('other'), IfNoneMatch: '*' }));
      await expect(again).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
      const ranged = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', Range: 'bytes=1-3' }));
      expect(await ranged.Body!.transformToString()).toBe('ell');
      expect(ranged.ContentRange).toBe('bytes 1-3/5');
    } finally {
      client.destroy();
    }
  });

  it('stops every daemon it started, by its recorded pid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodimg-s3-stop-'));
    try {
      await startS3Gateway(dir);
      const pids = ['mon', 'osd', 'rgw'].map((name) => Number(readFileSync(join(dir, 'run', `${name}.pid`), 'utf8')));
      expect(pids.every(alive)).toBe(true);
      await stopS3Gateway(dir);
      expect(pids.filter(alive)).toEqual([]);
    } finally {
      await stopS3Gateway(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start when one of its ports is in use, starting nothing', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const dir = mkdtempSync(join(tmpdir(), 'prodimg-s3-busy-'));
    try {
      // The monitor's port is the S3 port + 1: a monitor that could not bind would join another cluster.
      const started = run(S3_GATEWAY_SCRIPT, ['start', dir, String(port - 1)]);
      await expect(started).rejects.toMatchObject({ code: 3, stderr: expect.stringContaining(`port ${port} is in use`) });
      expect(existsSync(join(dir, 'ceph.conf'))).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
