import { existsSync, statSync } from 'node:fs';
import { copyFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { create } from 'tar';
import type { Config } from '../config.js';
import type { BlobStore } from '../imaging/blob-store.js';
import { createLocalBlobStore } from '../imaging/local-blob-store.js';
import type { Kysely } from 'kysely';
import type { Schema } from '../storage/schema.js';
import { DATABASE_FILE, IMAGES_DIR, MANIFEST, type Manifest, makeManifest, SECRET_KEY_FILE } from './archive-layout.js';
import { BackupRefused } from './backup-refused.js';
import { blobRowCount, databaseFacts, referencedFiles } from './database-facts.js';
import { linkAllImages, linkImage } from './link-images.js';
import { openStagedSqlite } from './staged-sqlite.js';
import { makeStagingFolder } from './staging-folder.js';

export interface BackupOptions {
  config: Pick<Config, 'dataDir' | 'databaseUrl' | 'blobStore'>;
  /** The archive to write; replaced only once the new one is complete. */
  out: string;
  prodimgVersion: string;
  /** One line per phase. */
  progress: (line: string) => void;
}

export interface BackupResult {
  manifest: Manifest;
  /** The archive's size. */
  bytes: number;
}

/** Every page in one step: a step reads one snapshot, while a write between steps would restart the copy. */
const ALL_PAGES = 0x7fffffff;

/**
 * A file a row references may be missing for a moment: a release deleting it raced the create that
 * adopts it, and that create puts it back right after its commit (imaging/image-files.ts). The files
 * still missing are looked for again this many times, 100 ms apart (all of them each time, so many
 * files lost for good cost no more than one), before they are reported missing.
 */
const LOOKS = 30;

/**
 * Writes one archive of the data directory while servers keep serving. The order makes it
 * consistent: image files are hard-linked first (later deletions do not touch the links), then the
 * database is copied by SQLite's online backup (one snapshot); a file its rows reference that was
 * stored after the links were made is linked from the live folder afterwards. Files only ever
 * appear before the rows that reference them, so each referenced file is in one of the two. Files
 * still missing are listed in the manifest, reported, and make the result's `missing` non-empty.
 */
export async function createBackup(options: BackupOptions): Promise<BackupResult> {
  const { config, progress } = options;
  const out = resolve(options.out);
  if (config.blobStore === 's3') {
    throw new BackupRefused('with PRODIMG_BLOB_STORE=s3 the image files are in the bucket: keep them with the bucket\'s own versioning or replication, and the database with pg_dump (docs/backup.md)');
  }
  if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory()) throw new BackupRefused(`--out ${options.out}: the folder ${dirname(out)} does not exist`);
  if (existsSync(out) && statSync(out).isDirectory()) throw new BackupRefused(`--out ${options.out} is a folder; give the archive's file name`);
  if (!existsSync(config.dataDir)) throw new BackupRefused(`PRODIMG_DATA_DIR (${config.dataDir}) does not exist: it must be the servers' data directory`);
  const live = join(config.dataDir, DATABASE_FILE);
  if (config.databaseUrl === undefined && !existsSync(live)) {
    throw new BackupRefused(`there is no database at ${live}: PRODIMG_DATA_DIR must be the data directory of a prodimg server`);
  }
  if (config.databaseUrl !== undefined && config.blobStore === 'database') {
    throw new BackupRefused('with DATABASE_URL and PRODIMG_BLOB_STORE=database every image file is in PostgreSQL: back it up with pg_dump (docs/backup.md)');
  }
  const imagesRoot = join(config.dataDir, IMAGES_DIR);
  const blobs = config.blobStore === 'local' ? createLocalBlobStore(imagesRoot) : null;
  const staging = await makeStagingFolder(config.dataDir, 'backup');
  try {
    if (blobs) {
      progress('linking the image files');
      progress(`linked ${await linkAllImages(blobs, imagesRoot, staging)} image files`);
    }
    let manifest: Manifest;
    if (config.databaseUrl === undefined) {
      progress('copying the database (SQLite online backup)');
      const source = new SQLite(live, { fileMustExist: true, readonly: true });
      try {
        await source.backup(join(staging, DATABASE_FILE), { progress: () => ALL_PAGES });
      } finally {
        source.close();
      }
      const staged = openStagedSqlite(join(staging, DATABASE_FILE));
      try {
        // One file, no -wal beside it: the archive's database stands alone.
        staged.sqlite.pragma('journal_mode = DELETE');
        manifest = await describe(staged.db, { ...options, staging, blobs, imagesRoot, dialect: 'sqlite' });
      } finally {
        await staged.close();
      }
    } else {
      // Not openDatabase: its migrations would change the schema under servers of another version.
      const { postgresDialect } = await import('../storage/postgres/postgres-dialect.js');
      const database = postgresDialect(config.databaseUrl, 1).open();
      try {
        manifest = await describe(database.db, { ...options, staging, blobs, imagesRoot, dialect: 'postgres' });
      } finally {
        await database.close();
      }
    }
    const entries = [MANIFEST];
    if (manifest.secret_key_file) {
      await copyFile(join(config.dataDir, SECRET_KEY_FILE), join(staging, SECRET_KEY_FILE));
      entries.push(SECRET_KEY_FILE);
    }
    if (manifest.database_included) entries.push(DATABASE_FILE);
    if (existsSync(join(staging, IMAGES_DIR))) entries.push(IMAGES_DIR);
    await writeFile(join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    progress(`writing ${options.out}`);
    const partial = `${out}.partial-${process.pid}`;
    try {
      await create({ cwd: staging, file: partial, portable: true }, entries);
      await rename(partial, out);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return { manifest, bytes: (await stat(out)).size };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

interface DescribeInput extends BackupOptions {
  staging: string;
  blobs: BlobStore | null;
  imagesRoot: string;
  dialect: 'sqlite' | 'postgres';
}

/** The manifest of what `db` holds, once every file it references is linked under the staging folder (or known missing). */
async function describe(db: Kysely<Schema>, input: DescribeInput): Promise<Manifest> {
  const { staging, blobs, imagesRoot, config, progress } = input;
  progress('checking that every file the database references is in the backup');
  const missing: string[] = [];
  let files = 0;
  if (blobs) {
    const staged = createLocalBlobStore(join(staging, IMAGES_DIR));
    let absent: string[] = [];
    for await (const name of referencedFiles(db)) {
      if (!(await staged.has(name)) && !(await linkImage(blobs, imagesRoot, staging, name))) absent.push(name);
    }
    for (let look = 1; look < LOOKS && absent.length > 0; look++) {
      await sleep(100);
      const still: string[] = [];
      for (const name of absent) if (!(await linkImage(blobs, imagesRoot, staging, name))) still.push(name);
      absent = still;
    }
    missing.push(...absent);
    for await (const _name of staged.list()) files++;
  } else {
    for await (const name of referencedFiles(db)) {
      if (!(await db.selectFrom('blobs').select('name').where('name', '=', name).executeTakeFirst())) missing.push(name);
    }
    files = await blobRowCount(db);
  }
  const facts = await databaseFacts(db);
  return makeManifest({
    prodimg_version: input.prodimgVersion,
    created_at: new Date().toISOString(),
    dialect: input.dialect,
    database_included: input.dialect === 'sqlite',
    // createBackup refused PRODIMG_BLOB_STORE=s3 before anything was written.
    blob_store: config.blobStore as Manifest['blob_store'],
    schema_migration: facts.schemaMigration,
    counts: { stores: facts.stores, products: facts.products, images: facts.images, files },
    secret_key_file: existsSync(join(config.dataDir, SECRET_KEY_FILE)),
    missing_files: missing,
  });
}
