import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/imaging/blob-store.js';
import { createKeptBytes, sweepSpool } from '../../src/imaging/kept-bytes.js';
import { createLocalBlobStore } from '../../src/imaging/local-blob-store.js';
import { nameFor } from './blob-store-suite.js';

const KIB = 1024;
/** `count` distinct files of `size` bytes each, with their content-addressed names. */
const distinct = (count: number, size: number) =>
  Array.from({ length: count }, (_, i) => {
    const bytes = Buffer.alloc(size, i + 1);
    return { name: nameFor(bytes, 'jpg'), bytes };
  });

describe('kept bytes: one memory budget for checked files waiting for their rows', () => {
  let root: string;
  let spoolDir: string;
  let blobs: BlobStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'prodimg-kept-'));
    spoolDir = join(root, 'spool');
    blobs = createLocalBlobStore(join(root, 'images'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const spooled = async () => (await readdir(spoolDir).catch(() => [])).sort();
  const linked = () => createKeptBytes({ memoryBytes: 100 * KIB, spoolDir, link: (name, target) => blobs.hardLink!(name, target) });

  it('holds files in memory up to the budget and spools the rest (regression: every request held all its files in memory until commit)', async () => {
    const kept = linked();
    const files = distinct(8, 30 * KIB);
    for (const file of files) await blobs.put(file.name, file.bytes);
    const handles = [];
    for (const file of files) {
      handles.push(await kept.keep(file.name, file.bytes));
      expect(kept.stats().memoryBytes).toBeLessThanOrEqual(100 * KIB);
    }
    expect(kept.stats()).toEqual({ memoryBytes: 90 * KIB, memoryFiles: 3, spooledFiles: 5, spooled: 5 });
    expect(await spooled()).toHaveLength(5);
    // Buffer.equals: a deep equality of buffers this size takes long.
    for (const [i, handle] of handles.entries()) expect(Buffer.from((await handle.restore())!).equals(files[i]!.bytes)).toBe(true);
    for (const handle of handles) handle.done();
    await expect.poll(spooled, { timeout: 10_000 }).toEqual([]);
    expect(kept.stats()).toMatchObject({ memoryBytes: 0, memoryFiles: 0, spooledFiles: 0 });
  });

  it('spools as a hard link of the stored file, which still gives the bytes back once the stored name is deleted', async () => {
    const kept = createKeptBytes({ memoryBytes: 0, spoolDir, link: (name, target) => blobs.hardLink!(name, target) });
    const [file] = distinct(1, 10 * KIB);
    await blobs.put(file!.name, file!.bytes);
    const handle = await kept.keep(file!.name, file!.bytes);
    const [spoolFile] = await spooled();
    const stored = join(root, 'images', file!.name.slice(0, 2), file!.name);
    expect((await stat(join(spoolDir, spoolFile!))).ino).toBe((await stat(stored)).ino);
    await blobs.deleteFamily(file!.name.slice(0, 32));
    expect(await handle.restore()).toEqual(file!.bytes);
    handle.done();
    await expect.poll(spooled, { timeout: 10_000 }).toEqual([]);
  });

  it('writes a copy when the store cannot link, or the file is no longer stored', async () => {
    const [file] = distinct(1, 10 * KIB);
    for (const kept of [createKeptBytes({ memoryBytes: 0, spoolDir }), linked()]) {
      const handle = await kept.keep(file!.name, Buffer.concat([file!.bytes, Buffer.alloc(100 * KIB)]));
      expect(await spooled()).toHaveLength(1);
      expect((await handle.restore())?.subarray(0, 10 * KIB)).toEqual(file!.bytes);
      handle.done();
      await expect.poll(spooled, { timeout: 10_000 }).toEqual([]);
    }
  });

  it('keeps equal content once, however many hold it, until the last lets go', async () => {
    const kept = createKeptBytes({ memoryBytes: 100 * KIB, spoolDir });
    const [file] = distinct(1, 60 * KIB);
    const copies = Array.from({ length: 5 }, () => Buffer.from(file!.bytes));
    const handles = await Promise.all(copies.map((copy) => kept.keep(file!.name, copy)));
    expect(kept.stats()).toMatchObject({ memoryBytes: 60 * KIB, memoryFiles: 1, spooled: 0 });
    const restored = await Promise.all(handles.map((handle) => handle.restore()));
    for (const bytes of restored) expect(bytes).toBe(restored[0]);
    for (const handle of handles.slice(1)) handle.done();
    expect(kept.stats().memoryBytes).toBe(60 * KIB);
    handles[0]!.done();
    handles[0]!.done();
    expect(kept.stats()).toMatchObject({ memoryBytes: 0, memoryFiles: 0 });
    await expect(handles[0]!.restore()).rejects.toThrow('restored after done');
  });

  it('a spooled file whose spool copy was lost gives null, and a failed spool write fails the keep without holding budget', async () => {
    const kept = createKeptBytes({ memoryBytes: 0, spoolDir });
    const [file] = distinct(1, 1 * KIB);
    const handle = await kept.keep(file!.name, file!.bytes);
    await rm(spoolDir, { recursive: true });
    expect(await handle.restore()).toBeNull();
    handle.done();

    // A file squatting on the folder's path: the spool cannot be made.
    await writeFile(spoolDir, 'not a folder');
    await expect(kept.keep(file!.name, file!.bytes)).rejects.toThrow();
    await rm(spoolDir);
    const again = await kept.keep(file!.name, file!.bytes);
    expect(await again.restore()).toEqual(file!.bytes);
    again.done();
  });

  it('a handle dropped without done gives its budget back once collected (the backstop, not the mechanism)', async () => {
    // The --expose-gc flag set at run time reaches a new context's global `gc`.
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const kept = createKeptBytes({ memoryBytes: 100 * KIB, spoolDir });
    const [file] = distinct(1, 10 * KIB);
    await (async () => {
      await kept.keep(file!.name, file!.bytes);
    })();
    expect(kept.stats().memoryBytes).toBe(10 * KIB);
    await expect
      .poll(async () => {
        gc();
        await new Promise((resolve) => setImmediate(resolve));
        return kept.stats().memoryBytes;
      }, { timeout: 10_000 })
      .toBe(0);
  });

  it('sweepSpool removes what a crash left older than the bound, and leaves younger files and other names alone', async () => {
    await mkdir(spoolDir);
    const old = `${Date.now() - 2 * 3600_000}-${crypto.randomUUID()}`;
    const young = `${Date.now()}-${crypto.randomUUID()}`;
    await Promise.all([old, young, 'README'].map((name) => writeFile(join(spoolDir, name), 'x')));
    expect(await sweepSpool(spoolDir, 3600_000)).toBe(1);
    expect(await spooled()).toEqual(['README', young].sort());
    expect(await sweepSpool(join(root, 'missing'), 0)).toBe(0);
  });
});
