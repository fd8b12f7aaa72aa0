import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { list } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePng } from '../imaging/fixtures/images.js';
import { type Origin, send, startOrigin } from '../imaging/fixtures/origin-server.js';
import { BIN, cliEnv } from '../reliability/support-server.js';
import { startApi, type TestApi } from '../support/api.js';
import { runProcess } from '../support/run-process.js';

describe('backup and restore of SQLite with PRODIMG_BLOB_STORE=database: the files travel inside the database', () => {
  let api: TestApi;
  let origin: Origin;
  let dir: string;
  const BLOBS_IN_DATABASE = { PRODIMG_BLOB_STORE: 'database' };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prodimg-blobs-backup-'));
    origin = await startOrigin({ '/a.png': send(await makePng(11, 7), 'image/png') });
    api = await startApi('sqlite', { env: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1', ...BLOBS_IN_DATABASE } });
  });
  afterAll(async () => {
    await api.close();
    await origin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the archive has no images folder; the restored database has the image and its file', async () => {
    const { id } = await api.product();
    expect((await api.call('POST', `products/${id}/images`, { image: { src: origin.url('/a.png') } })).statusCode).toBe(200);
    const archive = join(dir, 'blobs.tar');
    const prodimg = (args: string[], dataDir: string) => runProcess(process.execPath, [BIN, ...args], cliEnv({ dataDir, extra: BLOBS_IN_DATABASE }), `prodimg ${args.join(' ')}`);
    const backup = await prodimg(['backup', '--out', archive, '--quiet'], api.db.dataDir);
    expect({ status: backup.status, stderr: backup.stderr }).toEqual({ status: 0, stderr: '' });
    const entries: string[] = [];
    await list({ file: archive, onReadEntry: (entry) => entries.push(entry.path) });
    expect(entries.filter((path) => path !== 'secret.key')).toEqual(['manifest.json', 'prodimg.sqlite']);
    const restore = await prodimg(['restore', archive, '--quiet'], join(dir, 'fresh'));
    expect(restore).toMatchObject({ status: 0, stderr: '', stdout: `prodimg restore: restored 1 store, 1 product, 1 image, 1 file from ${archive}\n` });
  });
});
