import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, createShopToken, type ServeProcess, startServe } from '../reliability/support-server.js';
import { exportedSettings, readmeShellBlock } from '../support/readme-blocks.js';
import { runProcess } from '../support/run-process.js';
import { freshBucket, s3Gateway, s3SkipNote } from '../support/s3.js';
import { waitsTimeout } from '../support/waiting.js';
import { type BlobLibrary, makeBlobLibrary } from '../transfer/blob-library.js';

const gateway = s3Gateway();
const SKIP = !process.env.TEST_DATABASE_URL ? ' (SKIPPED: needs PostgreSQL: set TEST_DATABASE_URL)' : s3SkipNote();
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The first server's data folder in the README (deploy/prodimg.service's); here the library's. */
const README_DATA_DIR = '/var/lib/prodimg';

describe.skipIf(SKIP !== '')(`README "Running it in production": the S3 and several-servers blocks, each command run as written${SKIP}`, () => {
  let library: BlobLibrary;
  let bucket: string;
  let work: string;
  /** What `cat .../secret.key` printed, once it ran. */
  let printedKey: string | undefined;
  const servers: ServeProcess[] = [];

  /** The README's values that belong to a machine, and this machine's: nothing else is replaced. */
  const machineValues = (): Record<string, string | undefined> => ({
    AWS_ENDPOINT_URL_S3: gateway!.AWS_ENDPOINT_URL_S3,
    AWS_ACCESS_KEY_ID: gateway!.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: gateway!.AWS_SECRET_ACCESS_KEY,
    AWS_REGION: gateway!.AWS_REGION,
    PRODIMG_S3_BUCKET: bucket,
    DATABASE_URL: library.db.databaseUrl,
    REDIS_URL,
    PRODIMG_SECRET_KEY: printedKey,
  });

  /**
   * Runs a README block's lines in order, in `env`, as a shell would: `export` sets, `cat` prints
   * the first server's key, `prodimg serve` goes to `serve` (with a free port for the README's), any other
   * `prodimg` line runs the real CLI; its result is kept by line.
   */
  async function runBlock(lines: string[], env: NodeJS.ProcessEnv, serve: (args: string[]) => Promise<void>) {
    const results = new Map<string, { status: number | null; stdout: string; stderr: string }>();
    for (const line of lines) {
      const exported = exportedSettings(line);
      if (exported) {
        for (const [name, value] of exported) {
          const machine = machineValues();
          if (name in machine) expect(machine[name], `${name}: this machine's value`).toBeDefined();
          env[name] = machine[name] ?? value;
        }
        continue;
      }
      const words = line.split(/\s+/);
      if (words[0] === 'cat' && words[1] === `${README_DATA_DIR}/secret.key`) {
        // The first server's key file: the one the S3 block's server made in the library's data folder.
        const res = await runProcess('cat', [join(library.db.dataDir, 'secret.key')], env, line);
        printedKey = res.stdout.trim();
        expect(printedKey).toMatch(/^[0-9a-f]{64}$/);
        continue;
      }
      expect(words[0], `a command this test knows: ${line}`).toBe('prodimg');
      if (words[1] === 'serve') {
        await serve(words.slice(2).map((word, i, all) => (all[i - 1] === '--port' ? '0' : word)));
        continue;
      }
      results.set(line, await runProcess(process.execPath, [BIN, ...words.slice(1)], { ...env }, line));
    }
    return results;
  }

  const cdnBytes = async (server: ServeProcess, name: string) => {
    const res = await fetch(`${server.base}/cdn/${name}`);
    return { name, status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
  };
  const fileBytes = (name: string) => readFileSync(join(library.db.dataDir, 'images', name.slice(0, 2), name));
  const start = async (env: NodeJS.ProcessEnv, args: string[]) => {
    const server = await startServe(env, args);
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    library = await makeBlobLibrary('postgres');
    bucket = await freshBucket(gateway!, 'readme-production');
    work = mkdtempSync(join(tmpdir(), 'prodimg-readme-production-'));
  }, waitsTimeout(2));

  afterAll(async () => {
    for (const server of servers) server.kill();
    await library?.drop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it(
    'copies a local library into the bucket, finds nothing missing, serves it from the bucket; then two servers with folders of their own serve it together',
    async () => {
      const files = [...library.originals, library.variant];
      // The server's settings before: its data folder with the images, its PostgreSQL; the SDK's notice about Node 22 left out of stderr.
      const env = cliEnv({
        dataDir: library.db.dataDir,
        databaseUrl: library.db.databaseUrl,
        extra: { PRODIMG_BLOB_STORE: 'local', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      });

      const s3Results = await runBlock(readmeShellBlock('### Images in S3-compatible storage'), env, async (args) => {
        const server = await start({ ...env }, args);
        for (const name of files) {
          const got = await cdnBytes(server, name);
          expect({ name, status: got.status, same: got.bytes.equals(fileBytes(name)) }).toEqual({ name, status: 200, same: true });
        }
        server.child.kill('SIGTERM');
        expect(await server.exited).toEqual({ code: 0, signal: null });
      });
      expect([...s3Results.keys()]).toEqual(['prodimg blobs migrate --to s3', 'prodimg gc --dry-run']);
      const migrated = s3Results.get('prodimg blobs migrate --to s3')!;
      expect(migrated.status, migrated.stderr).toBe(0);
      expect(JSON.parse(migrated.stdout)).toMatchObject({ from: 'local', to: 's3', total: 4, copied: 4, failed: [] });
      const gc = s3Results.get('prodimg gc --dry-run')!;
      expect(gc.status, gc.stderr).toBe(0);
      expect(JSON.parse(gc.stdout)).toMatchObject({ removed: [], missing: [] });
      expect(env).toMatchObject({ PRODIMG_BLOB_STORE: 's3', PRODIMG_S3_BUCKET: bucket, PRODIMG_S3_FORCE_PATH_STYLE: '1' });

      // "on each machine": the same settings, each with a data folder of its own (none holds an image).
      const machines: ServeProcess[] = [];
      await runBlock(readmeShellBlock('### Several servers'), env, async (args) => {
        for (const name of ['a', 'b']) machines.push(await start({ ...env, PRODIMG_DATA_DIR: join(work, name) }, args));
      });
      expect(env).toMatchObject({ DATABASE_URL: library.db.databaseUrl, REDIS_URL, PRODIMG_SECRET_KEY: printedKey });
      const [a, b] = machines as [ServeProcess, ServeProcess];
      for (const server of [a, b]) {
        expect((await fetch(`${server.base}/readyz`)).status).toBe(200);
        for (const name of files) expect((await cdnBytes(server, name)).status).toBe(200);
      }
      const token = await createShopToken(library.db.database, 'together');
      const headers = { 'access-token': token, 'content-type': 'application/json' };
      const created = await fetch(`${a.base}/openapi/2022-01/products`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ product: { title: 'Shared', images: [{ src: `${a.base}/cdn/${library.originals[0]}` }] } }),
      });
      expect(created.status).toBe(200);
      const { product } = (await created.json()) as { product: { id: string; images: Array<{ src: string }> } };
      const read = await fetch(`${b.base}/openapi/2022-01/products/${product.id}`, { headers });
      expect(read.status).toBe(200);
      const image = ((await read.json()) as { product: { images: Array<{ src: string }> } }).product.images[0]!;
      expect(image.src.split('/').pop()).toBe(library.originals[0]);
    },
    waitsTimeout(6),
  );
});
