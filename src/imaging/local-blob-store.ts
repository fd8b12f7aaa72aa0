import { randomUUID } from 'node:crypto';
import { link, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { makeFolder } from './make-folder.js';
import { assertBlobHash, assertBlobName, type BlobStore, isBlobName, type StoredBlob } from './blob-store.js';

const SHARD = /^[0-9a-f]{2}$/;
/**
 * checkWritable's file, in the root beside the shards: a dot name (never a blob's), and one fixed
 * name, so probes that overlap or a crash between write and remove leave one small file at most.
 */
const WRITE_PROBE = '.write-probe';
/** One page: a file this small may live inside its inode on some file systems and need no free block. */
const WRITE_PROBE_BYTES = Buffer.alloc(4096);

/**
 * Blobs as files under `root`, in 256 subdirectories named after the first two hex digits of the
 * name (`<root>/ef/efd33b92....png`). Sharding keeps each directory at a few thousand entries even
 * with a million images: one flat directory makes `ls`, backups and some filesystems crawl, and
 * md5 names spread evenly, so two digits are enough.
 *
 * Writes go to a temp file in the target directory, are fsynced, then renamed into place and the
 * directory fsynced: after a crash a name holds either nothing or the complete file. Temp files
 * start with a dot, which no blob name does, so they are never listed or served.
 */
export function createLocalBlobStore(root: string): BlobStore {
  const base = resolve(root);
  const pathOf = (name: string) => {
    assertBlobName(name);
    return join(base, name.slice(0, 2), name);
  };

  return {
    async put(name, bytes) {
      const target = pathOf(name);
      if (await isFile(target)) return;
      const dir = dirname(target);
      const created = await makeFolder(dir);
      if (created !== undefined) await syncNewDirectories(dir, created);
      const temp = join(dir, `.tmp-${randomUUID()}`);
      try {
        await writeDurably(temp, bytes);
        await rename(temp, target);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      await syncDirectory(dir);
    },

    async get(name) {
      return readFile(pathOf(name)).catch(nullIfMissing);
    },

    async stream(name): Promise<StoredBlob | null> {
      const handle = await open(pathOf(name), 'r').catch(nullIfMissing);
      if (handle === null) return null;
      // Size and stream come from the same open file, so a concurrent delete cannot make them disagree.
      const { size } = await handle.stat();
      return { size, body: handle.createReadStream() };
    },

    async has(name) {
      return isFile(pathOf(name));
    },

    async delete(name) {
      return unlink(pathOf(name)).then(
        () => true,
        (error: unknown) => nullIfMissing(error) ?? false,
      );
    },

    async deleteFamily(hash) {
      assertBlobHash(hash);
      // A hash and all its variants share one shard directory, so this reads one directory only.
      const names = (await readdir(join(base, hash.slice(0, 2))).catch(nullIfMissing)) ?? [];
      let deleted = 0;
      for (const name of names) {
        if (isBlobName(name) && name.startsWith(hash) && (await this.delete(name))) deleted++;
      }
      return deleted;
    },

    async sweepUnfinished(olderThanMs) {
      const shards = (await readdir(base).catch(nullIfMissing)) ?? [];
      const cutoff = Date.now() - olderThanMs;
      let removed = 0;
      for (const shard of shards.filter((entry) => SHARD.test(entry))) {
        const names = (await readdir(join(base, shard)).catch(nullIfMissing)) ?? [];
        for (const name of names.filter((entry) => entry.startsWith('.tmp-'))) {
          const path = join(base, shard, name);
          const stats = await stat(path).catch(nullIfMissing);
          // Younger ones may belong to a write still under way in another process.
          if (stats && stats.mtimeMs < cutoff) {
            await rm(path, { force: true });
            removed++;
          }
        }
      }
      return removed;
    },

    async hardLink(name, target) {
      return link(pathOf(name), target).then(
        () => true,
        (error: unknown) => nullIfMissing(error) ?? false,
      );
    },

    async checkWritable() {
      await makeFolder(base);
      const probe = join(base, WRITE_PROBE);
      // Not synced: a probe must answer promptly, and local file systems refuse a write past the free space at once.
      try {
        await writeFile(probe, WRITE_PROBE_BYTES);
      } finally {
        await rm(probe, { force: true });
      }
    },

    async *list() {
      const shards = (await readdir(base).catch(nullIfMissing)) ?? [];
      for (const shard of shards.filter((entry) => SHARD.test(entry)).sort()) {
        const names = (await readdir(join(base, shard)).catch(nullIfMissing)) ?? [];
        // A file in the wrong shard could never be read back through get(), so it is not listed either.
        for (const name of names) if (isBlobName(name) && name.startsWith(shard)) yield name;
      }
    },
  };
}

async function writeDurably(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a rename or a new entry in `dir` survive a power cut (the file's own fsync does not cover it). */
async function syncDirectory(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; there the rename's durability is the filesystem's call.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** mkdir created `created` and everything below it down to `dir`: each new entry needs its parent synced. */
async function syncNewDirectories(dir: string, created: string): Promise<void> {
  for (let current = dir; ; current = dirname(current)) {
    await syncDirectory(dirname(current));
    if (current === created || dirname(current) === current) return;
  }
}

async function isFile(path: string): Promise<boolean> {
  const stats = await stat(path).catch(nullIfMissing);
  return stats?.isFile() ?? false;
}

function nullIfMissing(error: unknown): null {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
  throw error;
}
