import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalBlobStore } from '../../src/imaging/local-blob-store.js';
import { blobStoreSuite, listAll, nameFor } from './blob-store-suite.js';

const scratch = () => mkdtemp(join(tmpdir(), 'prodimg-blobs-'));

blobStoreSuite('local disk', async () => {
  const root = await scratch();
  return { store: createLocalBlobStore(join(root, 'images')), dispose: () => rm(root, { recursive: true, force: true }) };
});

/** Every file under `root`, as paths relative to it. */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1))
    .sort();
}

describe('local blob store on disk', () => {
  let root: string;
  beforeEach(async () => {
    root = await scratch();
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const bytes = Buffer.from('image bytes');
  const name = nameFor(bytes);

  it('files each blob under a directory named after its first two hex digits', async () => {
    await createLocalBlobStore(root).put(name, bytes);
    expect(await filesUnder(root)).toEqual([join(name.slice(0, 2), name)]);
  });

  it('leaves no temp file behind after sequential and concurrent puts', async () => {
    const store = createLocalBlobStore(root);
    await store.put(name, bytes);
    await Promise.all(Array.from({ length: 12 }, (_, i) => store.put(nameFor(`n${i % 3}`), Buffer.from(`n${i % 3}`))));
    const files = await filesUnder(root);
    expect(files.filter((file) => file.includes('.tmp-'))).toEqual([]);
    expect(files).toHaveLength(4);
  });

  it('a put that fails removes its temp file and stores nothing', async () => {
    // A directory squatting on the blob's path makes the final rename fail after the temp file is written.
    const shard = join(root, name.slice(0, 2));
    await mkdir(join(shard, name, 'squatter'), { recursive: true });
    await expect(createLocalBlobStore(root).put(name, bytes)).rejects.toThrow();
    expect(await readdir(shard)).toEqual([name]);
    expect(await createLocalBlobStore(root).has(name)).toBe(false);
  });

  it('crash leftovers: a stale temp file is never listed or served', async () => {
    const store = createLocalBlobStore(root);
    await store.put(name, bytes);
    await writeFile(join(root, name.slice(0, 2), '.tmp-2f1c'), 'half written');
    expect(await listAll(store)).toEqual([name]);
  });

  it('lists only blobs in their own shard, not stray files', async () => {
    const store = createLocalBlobStore(root);
    await store.put(name, bytes);
    const shard = name.slice(0, 2);
    const misplaced = `${shard === 'ff' ? '00' : 'ff'}${name.slice(2)}`;
    await mkdir(join(root, 'zz'), { recursive: true });
    await writeFile(join(root, 'README'), 'not a blob');
    await writeFile(join(root, 'zz', name), 'not a shard directory');
    await writeFile(join(root, shard, misplaced), 'in the wrong shard');
    expect(await listAll(store)).toEqual([name]);
  });

  it('hard-links a stored file to a path outside the store, and answers false for a name not stored', async () => {
    const store = createLocalBlobStore(join(root, 'images'));
    await store.put(name, bytes);
    expect(await store.hardLink!(name, join(root, 'linked'))).toBe(true);
    expect(await readFile(join(root, 'linked'))).toEqual(bytes);
    expect(await store.hardLink!(nameFor('never stored'), join(root, 'other'))).toBe(false);
    await expect(store.hardLink!('../linked', join(root, 'third'))).rejects.toThrow('expected a blob name');
  });

  it('checkWritable writes and removes its probe, creating the root, and lists nothing; it rejects where nothing can be written', async () => {
    const store = createLocalBlobStore(join(root, 'images'));
    await store.checkWritable!();
    await store.put(name, bytes);
    await store.checkWritable!();
    expect(await filesUnder(join(root, 'images'))).toEqual([join(name.slice(0, 2), name)]);
    expect(await listAll(store)).toEqual([name]);
    // A root that is a file: no directory can be made there (root ignores permissions, so no chmod here).
    await writeFile(join(root, 'plain-file'), '');
    await expect(createLocalBlobStore(join(root, 'plain-file')).checkWritable!()).rejects.toThrow(/EEXIST|ENOTDIR/);
  });

  it('creates its root on the first put', async () => {
    const store = createLocalBlobStore(join(root, 'not', 'yet'));
    expect(await listAll(store)).toEqual([]);
    await store.put(name, bytes);
    expect(await store.get(name)).toEqual(bytes);
  });
});
