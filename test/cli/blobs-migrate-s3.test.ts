import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, startServe } from '../reliability/support-server.js';
import { DIALECTS } from '../support/databases.js';
import { runProcess } from '../support/run-process.js';
import { freshBucket, gatewayClient, s3Gateway, s3SkipNote } from '../support/s3.js';
import { waitsTimeout } from '../support/waiting.js';
import { type BlobLibrary, makeBlobLibrary } from '../transfer/blob-library.js';

const gateway = s3Gateway();

describe.skipIf(!gateway).each(DIALECTS)(
  `prodimg blobs migrate --to s3 (%s), the real CLI into a bucket of the Ceph RGW (needs \`npm run build\`)${s3SkipNote()}`,
  (dialect) => {
    let library: BlobLibrary;
    let images: string;
    let bucket: string;
    const fileOf = (name: string) => join(images, name.slice(0, 2), name);
    /**
     * The child's settings: the library's, the bucket's under `prefix`, and the gateway's AWS_*;
     * without the SDK's notice that its 2027 versions need Node 22, so stderr is only prodimg's.
     */
    const envFor = (from: string, prefix: string) =>
      cliEnv({
        dataDir: library.db.dataDir,
        databaseUrl: library.db.databaseUrl,
        extra: { ...gateway!, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', PRODIMG_BLOB_STORE: from, PRODIMG_S3_BUCKET: bucket, PRODIMG_S3_PREFIX: prefix, PRODIMG_S3_FORCE_PATH_STYLE: '1' },
      });
    const migrate = (from: string, prefix: string, args: string[]) =>
      runProcess(process.execPath, [BIN, 'blobs', 'migrate', ...args], envFor(from, prefix), `prodimg blobs migrate ${args.join(' ')} (from ${from})`);
    const keysUnder = async (prefix: string) => {
      const client = gatewayClient(gateway!);
      try {
        const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
        return (listed.Contents ?? []).map((object) => object.Key!.slice(prefix.length)).sort();
      } finally {
        client.destroy();
      }
    };

    beforeAll(async () => {
      library = await makeBlobLibrary(dialect);
      images = join(library.db.dataDir, 'images');
      bucket = await freshBucket(gateway!, `migrate-${dialect}`);
    });
    afterAll(() => library?.drop());

    it(
      'copies a local library and then a database library into the bucket, verified; a rerun copies nothing; a server on the bucket serves every original and variant',
      async () => {
        const files = [...library.originals, library.variant].sort();
        const bytes = new Map(files.map((name) => [name, readFileSync(fileOf(name))]));
        const size = [...bytes.values()].reduce((sum, file) => sum + file.length, 0);

        // From the data directory.
        const fromLocal = await migrate('local', 'from-local/', ['--to', 's3']);
        expect({ status: fromLocal.status, stderr: fromLocal.stderr.split('\n').at(-2) }).toEqual({
          status: 0,
          stderr: `prodimg blobs migrate: copied 4 files (${size} bytes) from local to s3`,
        });
        expect(JSON.parse(fromLocal.stdout)).toEqual({ from: 'local', to: 's3', total: 4, copied: 4, skipped: 0, gone: 0, bytes: size, failed: [] });
        expect(await keysUnder('from-local/')).toEqual(files);
        const again = await migrate('local', 'from-local/', ['--to', 's3', '--quiet']);
        expect({ status: again.status, stderr: again.stderr }).toEqual({ status: 0, stderr: '' });
        expect(JSON.parse(again.stdout)).toEqual({ from: 'local', to: 's3', total: 4, copied: 0, skipped: 4, gone: 0, bytes: 0, failed: [] });

        // From the database's blobs table: the same files moved there first, the folder then removed.
        const intoDatabase = await migrate('local', 'from-database/', ['--to', 'database', '--quiet']);
        expect({ status: intoDatabase.status, stderr: intoDatabase.stderr }).toEqual({ status: 0, stderr: '' });
        rmSync(images, { recursive: true, force: true });
        const fromDatabase = await migrate('database', 'from-database/', ['--to', 's3', '--quiet', '--concurrency', '2']);
        expect({ status: fromDatabase.status, stderr: fromDatabase.stderr }).toEqual({ status: 0, stderr: '' });
        expect(JSON.parse(fromDatabase.stdout)).toEqual({ from: 'database', to: 's3', total: 4, copied: 4, skipped: 0, gone: 0, bytes: size, failed: [] });
        const rerun = await migrate('database', 'from-database/', ['--to', 's3', '--quiet']);
        expect(JSON.parse(rerun.stdout)).toMatchObject({ copied: 0, skipped: 4, failed: [] });
        expect(await keysUnder('from-database/')).toEqual(files);

        // A server on the bucket (no images folder left) serves every file, and renders a new variant into it.
        const server = await startServe(envFor('s3', 'from-database/'));
        try {
          for (const name of files) {
            const res = await fetch(`${server.base}/cdn/${name}`);
            expect({ name, status: res.status }).toEqual({ name, status: 200 });
            expect(Buffer.from(await res.arrayBuffer()).equals(bytes.get(name)!)).toBe(true);
          }
          expect((await fetch(`${server.base}/cdn/${library.originals[0]}?width=160`)).status).toBe(200);
          // SIGTERM: the shutdown waits for that variant to be stored.
          server.child.kill('SIGTERM');
          expect(await server.exited).toEqual({ code: 0, signal: null });
        } finally {
          server.kill();
        }
        expect(await keysUnder('from-database/')).toContain(library.originals[0]!.replace(/\.\w+$/, '_160x.jpg'));
      },
      waitsTimeout(6),
    );
  },
);
