import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/imaging/blob-store.js';
import { openBlobStore } from '../../src/open-blob-store.js';
import { listAll, nameFor } from '../imaging/blob-store-suite.js';
import { makeJpeg, makePng } from '../imaging/fixtures/images.js';
import { type Origin, send, startOrigin } from '../imaging/fixtures/origin-server.js';
import { startApi, type TestApi } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';
import { WAIT_MS } from '../support/waiting.js';

const BIN = fileURLToPath(new URL('../../bin/prodimg.js', import.meta.url));

describe('prodimg gc', () => {
  describe.each(DIALECTS)('on %s', (dialect) => {
    let api: TestApi;
    let blobs: BlobStore;
    let origin: Origin;
    beforeAll(async () => {
      origin = await startOrigin({ '/kept.jpg': send(await makeJpeg(12, 12), 'image/jpeg'), '/lost.png': send(await makePng(9, 9), 'image/png') });
      api = await startApi(dialect, { env: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1' } });
      blobs = openBlobStore(api.config, api.db.database);
    });
    afterAll(async () => {
      await api.close();
      await origin.close();
    });

    const gc = (...args: string[]) => {
      const { DATABASE_URL: _ignored, ...env } = process.env;
      const res = spawnSync(process.execPath, [BIN, 'gc', ...args], {
        env: { ...env, PRODIMG_DATA_DIR: api.db.dataDir, ...(api.db.databaseUrl ? { DATABASE_URL: api.db.databaseUrl } : {}) },
        encoding: 'utf8',
        timeout: WAIT_MS,
      });
      expect(res.status).toBe(0);
      return JSON.parse(res.stdout);
    };

    it('removes unreferenced files and orphaned variants, keeps used ones, and reports rows whose file is missing', async () => {
      const { id } = await api.product();
      const kept = (await api.call('POST', `products/${id}/images`, { image: { src: origin.url('/kept.jpg') } })).json().image;
      const lost = (await api.call('POST', `products/${id}/images`, { image: { src: origin.url('/lost.png') } })).json().image;
      await blobs.delete(lost.path);
      const orphan = nameFor('nobody uses me', 'jpg');
      const orphanVariant = nameFor('nobody uses me', 'webp', '_400x');
      const keptVariant = `${kept.path.slice(0, 32)}_400x.webp`;
      for (const name of [orphan, orphanVariant, keptVariant]) await blobs.put(name, Buffer.from('x'));

      const dry = gc('--dry-run');
      expect(dry.dry_run).toBe(true);
      expect(dry.scanned).toBe(4);
      expect([...dry.removed].sort()).toEqual([orphan, orphanVariant].sort());
      expect(dry.missing).toEqual([{ path: lost.path, imageIds: [lost.id] }]);
      expect(await listAll(blobs)).toHaveLength(4);

      const real = gc();
      expect([...real.removed].sort()).toEqual([orphan, orphanVariant].sort());
      expect(await listAll(blobs)).toEqual([kept.path, keptVariant].sort());
      expect(gc().removed).toEqual([]);
    });
  });
});
