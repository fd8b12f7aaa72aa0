import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Origin, type Route, startOrigin } from '../imaging/fixtures/origin-server.js';
import { BIN, cliEnv, type ServeProcess, startServe } from '../reliability/support-server.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { runProcess } from '../support/run-process.js';
import { createShopToken } from '../support/shops.js';
import { waitsTimeout, within } from '../support/waiting.js';

/** src URLs name this host on every server, so two servers' answers compare equal. */
const CDN_HOST = 'cdn.backup.test';

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

/** An origin whose every `/img/<n>.png` is a different image; the bytes it sent, by md5. */
async function imageOrigin(): Promise<{ origin: Origin; sent: Map<string, Buffer> }> {
  const sent = new Map<string, Buffer>();
  const png = (n: number): Route => (_request, response) => {
    void sharp({ create: { width: 8 + (n % 40), height: 8 + Math.floor(n / 40), channels: 3, background: { r: n % 256, g: (n * 7) % 256, b: 90 } } })
      .png()
      .toBuffer()
      .then((bytes) => {
        sent.set(md5(bytes), bytes);
        response.writeHead(200, { 'content-type': 'image/png', 'content-length': bytes.length }).end(bytes);
      });
  };
  // startOrigin looks each path up in its table: this one makes the route from the path's number.
  const routes = new Proxy({} as Record<string, Route>, {
    get: (_target, path) => {
      const n = typeof path === 'string' ? /^\/img\/(\d+)\.png$/.exec(path)?.[1] : undefined;
      return n === undefined ? undefined : png(Number(n));
    },
  });
  return { origin: await startOrigin(routes), sent };
}

interface Api {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
}

function api(server: ServeProcess, token: string): Api {
  return {
    async call(method, path, body) {
      const res = await fetch(`${server.base}/openapi/2022-01/${path}`, {
        method,
        headers: { 'access-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, json: text === '' ? null : JSON.parse(text) };
    },
  };
}

/**
 * Writers while a backup runs: each round creates a product with two images and (with `deletes`)
 * deletes an image of an earlier product, so files are stored and released all the time. `started`
 * resolves after the first rounds, `stop()` ends them.
 */
function churn(client: Api, origin: Origin, firstImage: number, deletes: boolean) {
  let running = true;
  let rounds = 0;
  let image = firstImage;
  const created: string[] = [];
  let wake: () => void = () => {};
  const started = new Promise<void>((resolve) => (wake = resolve));
  // Each writer deletes from its own products: two deleting one image would race to a 404.
  const writer = async () => {
    const mine: string[] = [];
    while (running) {
      const product = await client.call('POST', 'products', { product: { title: `churn ${image}` } });
      expect(product.status).toBe(200);
      const id = product.json.product.id as string;
      for (let i = 0; i < 2; i++) expect((await client.call('POST', `products/${id}/images`, { image: { src: origin.url(`/img/${image++}.png`) } })).status).toBe(200);
      const victim = mine[rounds % Math.max(mine.length, 1)];
      if (victim && deletes) {
        const images = (await client.call('GET', `products/${victim}/images`)).json.images as Array<{ id: string }>;
        if (images[0]) expect((await client.call('DELETE', `products/${victim}/images/${images[0].id}`)).status).toBe(200);
      }
      mine.push(id);
      created.push(id);
      if (++rounds >= 6) wake();
    }
  };
  const writers = [writer(), writer(), writer()];
  return {
    created,
    started,
    async stop() {
      running = false;
      await Promise.all(writers);
    },
  };
}

/**
 * Every product the server answers among `ids`, with its images; every image's file fetched from its
 * /cdn and checked against the origin's bytes. `all`: the ids include every product the server has.
 */
async function productsAndFiles(server: ServeProcess, client: Api, ids: string[], sent: Map<string, Buffer>, all: boolean): Promise<Map<string, unknown>> {
  const products = new Map<string, unknown>();
  for (const id of ids) {
    const res = await client.call('GET', `products/${id}`);
    // 2022-01 answers a missing product 422 "Record not found", as the platform does.
    if (res.status === 422 && JSON.stringify(res.json) === '{"errors":["Record not found"]}') continue;
    expect(res.status, JSON.stringify(res.json).slice(0, 300)).toBe(200);
    products.set(id, res.json.product);
    for (const image of res.json.product.images as Array<{ src: string }>) {
      const name = image.src.split('/').at(-1)!;
      expect(image.src).toBe(`//${CDN_HOST}/${name}`);
      const file = await fetch(`${server.base}/cdn/${name}`);
      expect(file.status, `/cdn/${name}`).toBe(200);
      const bytes = Buffer.from(await file.arrayBuffer());
      expect(sent.get(md5(bytes)), `the bytes of ${name}`).toEqual(bytes);
      expect(name.startsWith(md5(bytes))).toBe(true);
    }
  }
  if (all) expect((await client.call('GET', 'products/count')).json.count).toBe(products.size);
  return products;
}

describe('prodimg backup and restore', () => {
  describe.each(DIALECTS)('on %s', (dialect) => {
    let db: TestDatabase;
    let origin: Origin;
    let sent: Map<string, Buffer>;
    let token: string;
    const dirs: string[] = [];
    const pgDatabases: string[] = [];
    const servers: ServeProcess[] = [];
    const tempDir = () => {
      const dir = mkdtempSync(join(tmpdir(), 'prodimg-backup-'));
      dirs.push(dir);
      return dir;
    };
    const settings = (extra: Record<string, string> = {}) => ({
      PRODIMG_INGEST: 'fetch',
      PRODIMG_ALLOW_PRIVATE_SOURCES: '1',
      PRODIMG_CDN_HOST: CDN_HOST,
      PRODIMG_LOG_LEVEL: 'warn',
      ...(dialect === 'postgres' ? { PRODIMG_BLOB_STORE: 'local' } : {}),
      ...extra,
    });
    const envOf = (dataDir: string, databaseUrl = db.databaseUrl, extra: Record<string, string> = {}) => cliEnv({ dataDir, databaseUrl, extra: settings(extra) });
    const prodimg = (args: string[], env: NodeJS.ProcessEnv) => runProcess(process.execPath, [BIN, ...args], env, `prodimg ${args.join(' ')}`);
    const serve = async (env: NodeJS.ProcessEnv) => {
      const server = await startServe({ ...env, PRODIMG_LOG_LEVEL: 'info' });
      servers.push(server);
      return server;
    };
    const stop = async (server: ServeProcess) => {
      server.child.kill('SIGTERM');
      expect(await within(server.exited, 'serve to exit after SIGTERM')).toEqual({ code: 0, signal: null });
    };

    beforeAll(async () => {
      ({ origin, sent } = await imageOrigin());
      db = await freshDatabase(dialect);
      token = await createShopToken(db.database, 'backed');
    });
    afterAll(async () => {
      for (const server of servers) server.kill();
      await origin.close();
      for (const name of pgDatabases) await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await db.drop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    it(
      'a backup taken while a server serves and is written to restores on a fresh data directory: every image file served byte-identical, the same products',
      async () => {
        const server = await serve(envOf(db.dataDir));
        const client = api(server, token);
        // Settled products: made before the backup, not touched during it.
        const settled: string[] = [];
        for (let p = 0; p < 3; p++) {
          const id = (await client.call('POST', 'products', { product: { title: `settled ${p}`, body_html: '<p>kept</p>' } })).json.product.id as string;
          for (let i = 0; i < 3; i++) expect((await client.call('POST', `products/${id}/images`, { image: { src: origin.url(`/img/${p * 3 + i}.png`), alt: `alt ${i}` } })).status).toBe(200);
          settled.push(id);
        }
        const writes = churn(client, origin, 100, dialect === 'sqlite');
        await writes.started;
        const archive = join(tempDir(), 'prodimg.tar');
        let dumpUrl: string | undefined;
        if (dialect === 'postgres') {
          // docs/backup.md: pg_dump first, then the files. The writers only add here: an image deleted
          // between the two would leave its file out of the backup, which restore reports.
          const dump = join(tempDir(), 'prodimg.pgdump');
          const dumped = await runProcess('pg_dump', ['--format=custom', `--file=${dump}`, db.databaseUrl!], process.env);
          expect(dumped.stderr).toBe('');
          expect(dumped.status).toBe(0);
          dumpUrl = dump;
        }
        const backup = await prodimg(['backup', '--out', archive], envOf(db.dataDir));
        await writes.stop();
        expect(backup.stderr).toContain('linking the image files');
        expect({ status: backup.status, stderr: backup.stderr }).toMatchObject({ status: 0 });
        expect(backup.stdout).toMatch(new RegExp(`^prodimg backup: wrote ${archive} \\(\\d+ bytes\\): `));
        const ids = [...settled, ...writes.created];
        const before = await productsAndFiles(server, client, settled, sent, false);
        await stop(server);

        const fresh = join(tempDir(), 'data');
        let restoredUrl = db.databaseUrl;
        if (dialect === 'postgres') {
          const name = `${new URL(db.databaseUrl!).pathname.slice(1)}_restored`;
          await adminQuery(`CREATE DATABASE ${name}`);
          pgDatabases.push(name);
          const url = new URL(db.databaseUrl!);
          url.pathname = `/${name}`;
          restoredUrl = url.toString();
          const restored = await runProcess('pg_restore', ['--no-owner', `--dbname=${restoredUrl}`, dumpUrl!], process.env);
          expect({ status: restored.status, stderr: restored.stderr }).toEqual({ status: 0, stderr: '' });
        }
        const restore = await prodimg(['restore', archive], envOf(fresh, restoredUrl));
        expect({ status: restore.status, stderr: restore.stderr }).toMatchObject({ status: 0 });
        expect(restore.stdout).toMatch(new RegExp(`^prodimg restore: restored 1 store, \\d+ products?, \\d+ images?, \\d+ files? from ${archive}\\n$`));

        const restoredServer = await serve(envOf(fresh, restoredUrl));
        const restoredClient = api(restoredServer, token);
        const after = await productsAndFiles(restoredServer, restoredClient, ids, sent, true);
        // The settled products answer exactly as before; of the rest, those the backup caught.
        for (const id of settled) expect(after.get(id)).toEqual(before.get(id));
        expect(after.size).toBeGreaterThan(settled.length);
        expect(restore.stdout).toContain(`, ${after.size} products, `);
        // The restored server works: a write, then its file served.
        const created = await restoredClient.call('POST', `products/${settled[0]}/images`, { image: { src: origin.url('/img/999.png') } });
        expect(created.status).toBe(200);
        expect((await fetch(`${restoredServer.base}/cdn/${created.json.image.src.split('/').at(-1)}`)).status).toBe(200);
        await stop(restoredServer);

        // A target that already holds data is refused, with one line, unless --force.
        const again = await prodimg(['restore', archive], envOf(fresh, restoredUrl));
        expect(again.status).toBe(2);
        expect(again.stderr).toMatch(/^prodimg: PRODIMG_DATA_DIR \(.*\) already holds (a database with 1 stores|image files): restore into an empty data directory, or add --force to .*\n$/);
        const forced = await prodimg(['restore', archive, '--force', '--quiet'], envOf(fresh, restoredUrl));
        expect({ status: forced.status, stderr: forced.stderr }).toEqual({ status: 0, stderr: '' });
        expect(forced.stdout).toMatch(/^prodimg restore: restored 1 store, /);
      },
      waitsTimeout(12),
    );

    it.runIf(dialect === 'postgres')('with the files in PostgreSQL (PRODIMG_BLOB_STORE=database) there is nothing for prodimg backup to add: refused, pointing at pg_dump', async () => {
      const res = await prodimg(['backup', '--out', join(tempDir(), 'x.tar')], envOf(tempDir(), db.databaseUrl, { PRODIMG_BLOB_STORE: 'database' }));
      expect(res).toMatchObject({ status: 2, stdout: '' });
      expect(res.stderr).toBe('prodimg: with DATABASE_URL and PRODIMG_BLOB_STORE=database every image file is in PostgreSQL: back it up with pg_dump (docs/backup.md)\n');
    });

    it('with the files in a bucket (PRODIMG_BLOB_STORE=s3) prodimg backup has none to take: refused, pointing at the bucket and pg_dump', async () => {
      const res = await prodimg(['backup', '--out', join(tempDir(), 'x.tar')], envOf(tempDir(), db.databaseUrl, { PRODIMG_BLOB_STORE: 's3', PRODIMG_S3_BUCKET: 'images', AWS_REGION: 'us-east-1' }));
      expect(res).toMatchObject({ status: 2, stdout: '' });
      expect(res.stderr).toMatch(/^prodimg: with PRODIMG_BLOB_STORE=s3 the image files are in the bucket: .*pg_dump \(docs\/backup\.md\)\n$/);
    });

    async function adminQuery(text: string): Promise<void> {
      const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await client.connect();
      try {
        await client.query(text);
      } finally {
        await client.end();
      }
    }
  });
});
