import { randomUUID } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeptFile } from '../domain/ingest.js';
import { makeFolder } from './make-folder.js';

export interface KeptBytesOptions {
  /** Bytes held in memory at most, for all requests together; beyond, files wait on disk. 0: always on disk. */
  memoryBytes: number;
  /** A folder of its own: everything in it named like a spool file is this mechanism's (sweepSpool). */
  spoolDir: string;
  /**
   * Makes `target` another name of the stored file `name`, costing no copy (BlobStore.hardLink);
   * false when it is not stored. Without it, or when it fails, the bytes are written out.
   */
  link?: (name: string, target: string) => Promise<boolean>;
}

export interface KeptStats {
  /** Bytes held in memory now (one buffer per content, however many requests hold it). */
  memoryBytes: number;
  memoryFiles: number;
  /** Files waiting in the spool folder now. */
  spooledFiles: number;
  /** Files ever spooled (linked or written), since start. */
  spooled: number;
}

/**
 * Keeps the bytes of stored files until the rows naming them commit (ImageFiles.ensure), within one
 * memory budget shared by all requests. Equal content is kept once, by name (a content address),
 * counting its holders. Under the budget the checked buffer itself is kept: no copy, no I/O. Over
 * it the file waits in the spool folder instead, as a hard link of the stored file where the store
 * can make one (free: the link also keeps the inode alive if the stored name is deleted), else as a
 * plain copy. It is read back only if ensure finds the stored file gone.
 */
export interface KeptBytes {
  /** A handle to `bytes`, stored as `name`; its `done` must be called on every path. */
  keep(name: string, bytes: Buffer): Promise<KeptFile>;
  stats(): KeptStats;
}

interface Entry {
  holders: number;
  bytes?: Buffer;
  /** The spool file's path, once written. */
  spooled?: Promise<string>;
}

/** `<ms since epoch>-<uuid>`: the age is in the name, as a hard link's times are the stored file's. */
const SPOOL_NAME = /^(\d{13,})-[0-9a-f-]{36}$/;

export function createKeptBytes(options: KeptBytesOptions): KeptBytes {
  const entries = new Map<string, Entry>();
  let memoryBytes = 0;
  let memoryFiles = 0;
  let spooledFiles = 0;
  let spooled = 0;

  const release = (name: string, entry: Entry) => {
    if (--entry.holders > 0) return;
    if (entries.get(name) === entry) entries.delete(name);
    if (entry.bytes) {
      memoryBytes -= entry.bytes.length;
      memoryFiles--;
      // The finalization registry's record of a handle (which names the entry) lives in the old
      // generation until a full GC: through it the bytes would outlive the request (a burst of small
      // creates peaked 25 MiB higher).
      entry.bytes = undefined;
    }
    entry.spooled?.then(
      (path) => {
        spooledFiles--;
        return rm(path, { force: true });
      },
      () => undefined,
    ).catch(() => undefined);
  };
  // A backstop only: a handle dropped without `done` (a bug) must not hold its budget forever.
  const dropped = new FinalizationRegistry<{ name: string; entry: Entry }>(({ name, entry }) => release(name, entry));

  const spool = async (name: string, bytes: Buffer): Promise<string> => {
    // Each time: one cheap call on this slow path, and a folder removed meanwhile comes back.
    await makeFolder(options.spoolDir);
    const path = join(options.spoolDir, `${Date.now()}-${randomUUID()}`);
    const linked = options.link ? await options.link(name, path).catch(() => false) : false;
    // Not synced: after a crash the request it served is gone too, and the sweep removes it.
    if (!linked) await writeFile(path, bytes, { flag: 'wx' });
    spooled++;
    spooledFiles++;
    return path;
  };

  const handle = (name: string, entry: Entry): KeptFile => {
    // Cleared by `done`: a restore after it is a bug, never an answer from a released entry.
    let held: Entry | undefined = entry;
    const kept: KeptFile = {
      async restore() {
        if (!held) throw new Error(`the kept bytes of ${name} were restored after done`);
        if (held.bytes) return held.bytes;
        return readFile(await held.spooled!).catch((error: unknown) => {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
          throw error;
        });
      },
      done() {
        if (!held) return;
        release(name, held);
        held = undefined;
        dropped.unregister(kept);
      },
    };
    dropped.register(kept, { name, entry }, kept);
    return kept;
  };

  return {
    async keep(name, bytes) {
      let entry = entries.get(name);
      if (entry) {
        entry.holders++;
      } else if (memoryBytes + bytes.length <= options.memoryBytes) {
        entry = { holders: 1, bytes };
        memoryBytes += bytes.length;
        memoryFiles++;
      } else {
        entry = { holders: 1, spooled: spool(name, bytes) };
      }
      entries.set(name, entry);
      if (entry.spooled) {
        try {
          await entry.spooled;
        } catch (error) {
          // Every holder waiting for this write fails with it; the next keep of the name tries anew.
          if (entries.get(name) === entry) entries.delete(name);
          throw error;
        }
      }
      return handle(name, entry);
    },

    stats: () => ({ memoryBytes, memoryFiles, spooledFiles, spooled }),
  };
}

/**
 * Removes spool files older than `olderThanMs` from `spoolDir`: leftovers of a crash. Younger ones may
 * belong to a request under way in another process sharing the folder. Returns how many.
 */
export async function sweepSpool(spoolDir: string, olderThanMs: number): Promise<number> {
  const names = await readdir(spoolDir).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  });
  const cutoff = Date.now() - olderThanMs;
  let removed = 0;
  for (const file of names) {
    const made = SPOOL_NAME.exec(file)?.[1];
    if (made === undefined || Number(made) >= cutoff) continue;
    await rm(join(spoolDir, file), { force: true });
    removed++;
  }
  return removed;
}
