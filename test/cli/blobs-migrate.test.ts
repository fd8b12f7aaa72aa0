import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BlobLibrary, makeBlobLibrary } from '../transfer/blob-library.js';
import { BIN, cliEnv, startServe } from '../reliability/support-server.js';
import { DIALECTS } from '../support/databases.js';
import { runProcess } from '../support/run-process.js';
import { waitsTimeout } from '../support/waiting.js';

describe.each(DIALECTS)('prodimg blobs migrate (%s), the real CLI on a library of real images', (dialect) => {
  let library: BlobLibrary;
  let images: string;
  const fileOf = (name: string) => join(images, name.slice(0, 2), name);
  const migrate = (from: string, args: string[], extra: Record<string, string> = {}) =>
    runProcess(
      process.execPath,
      [BIN, 'blobs', 'migrate', ...args],
      cliEnv({ dataDir: library.db.dataDir, databaseUrl: library.db.databaseUrl, extra: { PRODIMG_BLOB_STORE: from, ...extra } }),
      `prodimg blobs migrate ${args.join(' ')}`,
    );

  beforeAll(async () => {
    library = await makeBlobLibrary(dialect);
    images = join(library.db.dataDir, 'images');
  });
  afterAll(() => library?.drop());

  it('refuses, with exit code 2 and one line, a store with no settings, the store the library is in, and an unknown one', async () => {
    const s3 = await migrate('local', ['--to', 's3']);
    expect(s3).toEqual({
      status: 2,
      stdout: '',
      stderr:
        "prodimg: --to s3: set PRODIMG_S3_BUCKET to the bucket's name (and the AWS SDK's settings: AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)\n",
    });
    // A bucket but no region (none in the environment, none in a profile of this empty home): refused before any work.
    const noRegion = await migrate('local', ['--to', 's3'], { PRODIMG_S3_BUCKET: 'shop-images', AWS_REGION: '', AWS_PROFILE: '', HOME: library.db.dataDir });
    expect(noRegion).toEqual({
      status: 2,
      stdout: '',
      stderr:
        "prodimg: the S3 store (PRODIMG_S3_BUCKET) needs AWS_REGION, or a region in the AWS profile: set it to the bucket's region, or for an on-premises store (Ceph RGW, MinIO) to any name, such as us-east-1 (the AWS SDK does not read AWS_DEFAULT_REGION)\n",
    });
    expect(await migrate('local', ['--to', 'local'])).toEqual({
      status: 2,
      stdout: '',
      stderr: 'prodimg: the library is already in the local store (PRODIMG_BLOB_STORE); --to names the store to copy it into\n',
    });
    expect(await migrate('local', ['--to', 'tape'])).toMatchObject({ status: 2, stderr: 'prodimg: --to must be one of local, database, s3, got "tape"\n' });
  });

  it(
    'local to database: a damaged file fails the run (exit 1, named); once repaired, the rerun copies only it; a server on the database store then serves every file without the old folder',
    async () => {
      const damaged = library.originals[2]!;
      const good = readFileSync(fileOf(damaged));
      writeFileSync(fileOf(damaged), good.subarray(0, 50));
      const failed = await migrate('local', ['--to', 'database', '--quiet']);
      expect(failed.status).toBe(1);
      expect(failed.stderr).toMatch(new RegExp(`^prodimg blobs migrate: ${damaged} failed to verify: the source file's md5 is [0-9a-f]{32}, not the ${damaged.slice(0, 32)} its name says`));
      expect(failed.stderr).toContain('prodimg blobs migrate: 1 file failed to verify and is not in the database store\n');
      expect(JSON.parse(failed.stdout)).toMatchObject({ from: 'local', to: 'database', total: 4, copied: 3, skipped: 0, failed: [{ name: damaged }] });

      writeFileSync(fileOf(damaged), good);
      const rerun = await migrate('local', ['--to', 'database', '--concurrency', '2']);
      expect(rerun.status).toBe(0);
      expect(JSON.parse(rerun.stdout)).toEqual({ from: 'local', to: 'database', total: 4, copied: 1, skipped: 3, gone: 0, bytes: good.length, failed: [] });
      // Not a terminal: the plain progress line, then the total.
      expect(rerun.stderr).toContain('prodimg blobs migrate: 4/4 files, 0 failed');
      expect(rerun.stderr).toContain(`prodimg blobs migrate: copied 1 file (${good.length} bytes) from local to database, 3 files already there\n`);

      const files = [...library.originals, library.variant];
      const bytes = new Map(files.map((name) => [name, readFileSync(fileOf(name))]));
      rmSync(images, { recursive: true, force: true });
      const server = await startServe(cliEnv({ dataDir: library.db.dataDir, databaseUrl: library.db.databaseUrl, extra: { PRODIMG_BLOB_STORE: 'database' } }));
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
      expect(existsSync(images)).toBe(false);

      const back = await migrate('database', ['--to', 'local', '--quiet']);
      expect({ status: back.status, stderr: back.stderr }).toEqual({ status: 0, stderr: '' });
      // The server stored the 160 px variant it rendered: five files now.
      expect(JSON.parse(back.stdout)).toMatchObject({ from: 'database', to: 'local', total: 5, copied: 5, failed: [] });
      for (const name of files) expect(readFileSync(fileOf(name)).equals(bytes.get(name)!)).toBe(true);
    },
    waitsTimeout(6),
  );
});
