import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { BlobStore } from '../../src/imaging/blob-store.js';
import { createLocalBlobStore } from '../../src/imaging/local-blob-store.js';
import { buildApp } from '../../src/server/build-app.js';
import { createDatabaseBlobStore } from '../../src/storage/database-blob-store.js';
import { copyProblem, md5Of, sourceProblem } from '../../src/transfer/blob-copy-check.js';
import { migrateBlobs } from '../../src/transfer/migrate-blobs.js';
import { listAll } from '../imaging/blob-store-suite.js';
import { DIALECTS } from '../support/databases.js';
import { type BlobLibrary, makeBlobLibrary } from './blob-library.js';

const ORIGINAL = `${'0'.repeat(32)}.jpg`;

describe('blob copy checks', () => {
  const bytes = Buffer.from('image bytes');
  const md5 = md5Of(bytes);
  it.each([
    ['an original whose bytes hash to its name', `${md5}.png`, null],
    ['a variant: its name holds its original hash, not its own', `${'0'.repeat(32)}_100x.jpg`, null],
    ['an original whose bytes do not', ORIGINAL, `the source file's md5 is ${md5}, not the ${'0'.repeat(32)} its name says: the source file is damaged, so it was not copied`],
  ])('sourceProblem: %s', (_what, name, expected) => {
    expect(sourceProblem(name, md5)).toBe(expected);
  });

  it.each([
    ['identical', { size: 5, md5: 'a' }, null],
    ['missing', null, 'the target does not hold the file just written to it'],
    ['shorter', { size: 4, md5: 'a' }, 'the copy read back from the target has 4 bytes, the source 5'],
    ['same size, other bytes', { size: 5, md5: 'b' }, 'the copy read back from the target has md5 b, the source a'],
  ])('copyProblem: %s', (_what, copy, expected) => {
    expect(copyProblem({ size: 5, md5: 'a' }, copy)).toBe(expected);
  });
});

describe.each(DIALECTS)('migrateBlobs between the local and database stores (%s), with real images', (dialect) => {
  let library: BlobLibrary;
  let local: BlobStore;
  let database: BlobStore;
  const copy = (source: BlobStore, target: BlobStore) => migrateBlobs({ source, target, concurrency: 2 });

  beforeAll(async () => {
    library = await makeBlobLibrary(dialect);
    local = createLocalBlobStore(join(library.db.dataDir, 'images'));
    database = createDatabaseBlobStore(library.db.database.db);
  });
  afterAll(() => library?.drop());

  const emptyTables = () => library.db.database.db.deleteFrom('blobs').execute();

  it('local to database: every file, byte for byte; a rerun copies nothing', async () => {
    await emptyTables();
    const files = [...library.originals, library.variant].sort();
    expect(await listAll(local)).toEqual(files);
    const first = await copy(local, database);
    expect(first).toMatchObject({ total: 4, copied: 4, skipped: 0, gone: 0, failed: [] });
    expect(await listAll(database)).toEqual(files);
    for (const name of files) expect(await database.get(name)).toEqual(await local.get(name));
    expect(await copy(local, database)).toMatchObject({ total: 4, copied: 0, skipped: 4, bytes: 0, failed: [] });
  });

  it('database to local: into an empty folder, byte for byte', async () => {
    const folder = join(library.db.dataDir, 'back');
    const back = createLocalBlobStore(folder);
    try {
      expect(await copy(database, back)).toMatchObject({ total: 4, copied: 4, failed: [] });
      for (const name of await listAll(database)) expect(await back.get(name)).toEqual(await database.get(name));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('an interrupted run loses nothing: the rerun copies only the rest', async () => {
    await emptyTables();
    let puts = 0;
    const failing: BlobStore = {
      ...database,
      async put(name, bytes) {
        if (++puts > 2) throw new Error('the target went away');
        await database.put(name, bytes);
      },
    };
    await expect(migrateBlobs({ source: local, target: failing, concurrency: 1 })).rejects.toThrow('the target went away');
    expect(await listAll(database)).toHaveLength(2);
    expect(await copy(local, database)).toMatchObject({ total: 4, copied: 2, skipped: 2, failed: [] });
    expect(await listAll(database)).toEqual(await listAll(local));
  });

  it('a damaged source file is reported and not copied; the others are', async () => {
    await emptyTables();
    const damaged = library.originals[1]!;
    const path = join(library.db.dataDir, 'images', damaged.slice(0, 2), damaged);
    const good = await local.get(damaged);
    writeFileSync(path, Buffer.concat([good!.subarray(0, 100), Buffer.from('rot')]));
    try {
      const result = await copy(local, database);
      expect(result).toMatchObject({ copied: 3, failed: [{ name: damaged, reason: expect.stringContaining('the source file is damaged') }] });
      expect(await database.has(damaged)).toBe(false);
    } finally {
      writeFileSync(path, good!);
    }
  });

  it('a copy that reads back wrong is reported and removed from the target, so a rerun tries it again', async () => {
    await emptyTables();
    const lying: BlobStore = { ...database, get: async (name) => (name === library.variant ? Buffer.from('not it') : database.get(name)) };
    const result = await copy(local, lying);
    expect(result).toMatchObject({ copied: 3, failed: [{ name: library.variant, reason: expect.stringMatching(/^the copy read back from the target has 6 bytes/) }] });
    expect(await database.has(library.variant)).toBe(false);
    expect(await copy(local, database)).toMatchObject({ copied: 1, skipped: 3, failed: [] });
  });

  it('a server on the new store serves every original and the variant, the old store gone', async () => {
    await emptyTables();
    await copy(local, database);
    const imagesDir = join(library.db.dataDir, 'images');
    const kept = new Map<string, Buffer>();
    for (const name of await listAll(local)) kept.set(name, (await local.get(name))!);
    rmSync(imagesDir, { recursive: true, force: true });
    const config = loadConfig({
      PRODIMG_DATA_DIR: library.db.dataDir,
      PRODIMG_BLOB_STORE: 'database',
      PRODIMG_STARTUP_SWEEP: '0',
      PRODIMG_LOG_LEVEL: 'silent',
      ...(library.db.databaseUrl ? { DATABASE_URL: library.db.databaseUrl } : {}),
    });
    const app = await buildApp({ config, database: library.db.database });
    try {
      for (const [name, bytes] of kept) {
        const res = await app.inject({ method: 'GET', url: `/cdn/${name}` });
        expect({ name, status: res.statusCode }).toEqual({ name, status: 200 });
        expect(res.rawPayload.equals(bytes)).toBe(true);
      }
      // A variant size no one asked for yet renders from the original in the new store.
      expect((await app.inject({ method: 'GET', url: `/cdn/${library.originals[1]!.replace('.png', '_160x.png')}` })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
