import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { extract } from 'tar';
import type { Config } from '../config.js';
import { createLocalBlobStore } from '../imaging/local-blob-store.js';
import { makeDirectory } from '../storage/make-directory.js';
import { migrationNames } from '../storage/migrate.js';
import type { Schema } from '../storage/schema.js';
import { type Counts, DATABASE_FILE, IMAGES_DIR, isArchiveEntry, type Manifest, notABackup, SECRET_KEY_FILE } from './archive-layout.js';
import { BackupRefused } from './backup-refused.js';
import { blobRowCount, databaseFacts, referencedFiles } from './database-facts.js';
import { readManifest } from './read-manifest.js';
import { openStagedSqlite } from './staged-sqlite.js';
import { makeStagingFolder } from './staging-folder.js';

export interface RestoreOptions {
  config: Pick<Config, 'dataDir' | 'databaseUrl' | 'blobStore'>;
  file: string;
  /** Replace a database that has stores (SQLite), or add to an images folder that has files (PostgreSQL). */
  force: boolean;
  progress: (line: string) => void;
}

export interface RestoreResult {
  manifest: Manifest;
  /** What the restored database holds, after its migrations. */
  counts: Counts;
  /**
   * Referenced files not in the backup: already missing when it was made (its manifest lists them),
   * or, for PostgreSQL, deleted between pg_dump and the backup. The images using them have no file.
   */
  missing: string[];
}

/** Shown in errors: enough to act on, short enough for one line. */
const SHOWN = 5;

/**
 * Restores an archive of `prodimg backup` into the configured data directory. Everything is checked
 * in a staging folder there first (the manifest, each entry's name, the database's soundness and
 * migrations, every referenced file), so a refusal changes nothing; then the files are renamed into
 * place and the database migrated to this prodimg's schema.
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const { config, file, progress } = options;
  if (!existsSync(file) || !statSync(file).isFile()) throw new BackupRefused(`${file} is not a file`);
  const manifest = await readManifest(file);
  checkSettings(manifest, config);
  await checkTarget(manifest, options);
  try {
    makeDirectory(config.dataDir);
  } catch (err) {
    throw new BackupRefused(`cannot make PRODIMG_DATA_DIR (${config.dataDir}): ${(err as Error).message}`);
  }
  const staging = await makeStagingFolder(config.dataDir, 'restore');
  try {
    progress(`extracting ${file} (made ${manifest.created_at} by prodimg ${manifest.prodimg_version})`);
    await extractChecked(file, staging);
    if (manifest.secret_key_file !== existsSync(join(staging, SECRET_KEY_FILE))) throw notABackup(file, `its manifest and its entries disagree about ${SECRET_KEY_FILE}`);
    if (!manifest.database_included && !options.force) checkKeyFile(join(staging, SECRET_KEY_FILE), config.dataDir);
    const declared = new Set(manifest.missing_files);
    const stagedImages = createLocalBlobStore(join(staging, IMAGES_DIR));
    const liveImages = createLocalBlobStore(join(config.dataDir, IMAGES_DIR));
    let missing: string[];
    if (manifest.database_included) {
      const stagedDb = join(staging, DATABASE_FILE);
      if (!existsSync(stagedDb)) throw notABackup(file, `it holds no ${DATABASE_FILE}`);
      progress('checking the database');
      checkSound(stagedDb, file);
      const staged = openStagedSqlite(stagedDb);
      try {
        const known = new Set(migrationNames('sqlite'));
        const unknown = (await databaseFacts(staged.db)).migrations.filter((name) => !known.has(name));
        if (unknown.length > 0) throw new BackupRefused(`${file} was made by prodimg ${manifest.prodimg_version}, whose schema (${unknown.join(', ')}) this prodimg does not know: restore it with that version or newer`);
        progress('checking that every file the database references is in the backup');
        missing = await missingFiles(staged.db, manifest.blob_store === 'local' ? (name) => stagedImages.has(name) : inBlobsTable(staged.db));
      } finally {
        await staged.close();
      }
    } else {
      // PostgreSQL: its rows are already back (pg_restore); the files must match them.
      progress('checking that every file the database at DATABASE_URL references is in the backup');
      const { openDatabase } = await import('../storage/database.js');
      const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
      try {
        missing = await missingFiles(database.db, async (name) => (await stagedImages.has(name)) || (await liveImages.has(name)));
      } finally {
        await database.close();
      }
    }
    // PostgreSQL's rows are restored already: its files go in place whatever is missing, which is reported.
    const undeclared = manifest.database_included ? missing.filter((name) => !declared.has(name)) : [];
    if (undeclared.length > 0) {
      throw new Error(
        `${file} is incomplete: ${undeclared.length} files the database references are not in it (${undeclared.slice(0, SHOWN).join(', ')}${undeclared.length > SHOWN ? ', ...' : ''}); nothing was restored`,
      );
    }
    progress('putting the files in place');
    await moveIntoPlace(staging, config.dataDir, manifest);
    progress('migrating the database to this prodimg');
    const { openDatabase } = await import('../storage/database.js');
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
    try {
      const facts = await databaseFacts(database.db);
      let files = 0;
      if (config.blobStore === 'local') for await (const _name of liveImages.list()) files++;
      else files = await blobRowCount(database.db);
      return { manifest, counts: { stores: facts.stores, products: facts.products, images: facts.images, files }, missing };
    } finally {
      await database.close();
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function checkSettings(manifest: Manifest, config: RestoreOptions['config']): void {
  if (manifest.dialect === 'sqlite' && config.databaseUrl !== undefined) {
    throw new BackupRefused('the backup holds a SQLite database: unset DATABASE_URL to restore it into PRODIMG_DATA_DIR');
  }
  if (manifest.dialect === 'postgres' && config.databaseUrl === undefined) {
    throw new BackupRefused('the backup holds the image files of a PostgreSQL server, not its database: restore the database with pg_restore, then run this with DATABASE_URL set (docs/backup.md)');
  }
  if (manifest.blob_store !== config.blobStore) {
    throw new BackupRefused(`the backup's image files are in ${manifest.blob_store === 'database' ? 'the database' : 'the data directory'}: set PRODIMG_BLOB_STORE=${manifest.blob_store}`);
  }
}

/** A target with data is replaced (SQLite) or added to (PostgreSQL's files) only with --force. */
async function checkTarget(manifest: Manifest, options: RestoreOptions): Promise<void> {
  if (options.force) return;
  const { dataDir } = options.config;
  if (manifest.database_included) {
    const stores = storesIn(join(dataDir, DATABASE_FILE));
    if (stores > 0) throw new BackupRefused(`PRODIMG_DATA_DIR (${dataDir}) already holds a database with ${stores} stores: restore into an empty data directory, or add --force to replace it`);
    return;
  }
  for await (const _name of createLocalBlobStore(join(dataDir, IMAGES_DIR)).list()) {
    throw new BackupRefused(`PRODIMG_DATA_DIR (${dataDir}) already holds image files: restore into an empty data directory, or add --force to add the backup's to them`);
  }
}

/**
 * PostgreSQL: the data directory's key file may be what servers on the restored database use
 * already; the same key again is no change, another one would be lost without --force. (A SQLite
 * restore replaces the database its key belongs to, so its key goes with it.)
 */
function checkKeyFile(staged: string, dataDir: string): void {
  const key = join(dataDir, SECRET_KEY_FILE);
  if (existsSync(staged) && existsSync(key) && readFileSync(key, 'utf8') !== readFileSync(staged, 'utf8')) {
    throw new BackupRefused(`PRODIMG_DATA_DIR (${dataDir}) already holds another ${SECRET_KEY_FILE}: restore into an empty data directory, or add --force to replace it with the backup's`);
  }
}

function storesIn(file: string): number {
  if (!existsSync(file)) return 0;
  const sqlite = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const table = sqlite.prepare(`select 1 from sqlite_master where type = 'table' and name = 'shops'`).get();
    return table ? (sqlite.prepare('select count(*) as n from shops').get() as { n: number }).n : 0;
  } finally {
    sqlite.close();
  }
}

/** Extracts only the entries a backup holds; any other (a path elsewhere, a link, a device) refuses the whole archive. */
async function extractChecked(file: string, staging: string): Promise<void> {
  const strange: string[] = [];
  try {
    await extract({
      file,
      cwd: staging,
      strict: true,
      preserveOwner: false,
      filter: (path, entry) => {
        const type = 'type' in entry ? (entry.type === 'File' || entry.type === 'OldFile' ? 'file' : entry.type === 'Directory' ? 'directory' : null) : entry.isFile() ? 'file' : 'directory';
        const ok = type !== null && isArchiveEntry(path, type);
        if (!ok) strange.push(path);
        return ok;
      },
    });
  } catch (error) {
    throw new BackupRefused(`${file} is damaged: ${(error as Error).message}`);
  }
  if (strange.length > 0) throw notABackup(file, `it holds ${JSON.stringify(strange[0])}, which no backup has`);
}

function checkSound(stagedDb: string, file: string): void {
  const sqlite = new SQLite(stagedDb, { fileMustExist: true });
  try {
    const rows = sqlite.pragma('quick_check') as Array<{ quick_check: string }>;
    if (rows[0]?.quick_check !== 'ok') throw new BackupRefused(`the database in ${file} is damaged: ${rows[0]?.quick_check ?? 'no answer from quick_check'}`);
    sqlite.prepare('select count(*) from prodimg_migrations').get();
  } catch (error) {
    if (error instanceof BackupRefused) throw error;
    throw new BackupRefused(`the database in ${file} is damaged or not prodimg's: ${(error as Error).message}`);
  } finally {
    sqlite.close();
  }
}

async function missingFiles(db: Kysely<Schema>, has: (name: string) => Promise<boolean>): Promise<string[]> {
  const missing: string[] = [];
  for await (const name of referencedFiles(db)) if (!(await has(name))) missing.push(name);
  return missing;
}

const inBlobsTable = (db: Kysely<Schema>) => async (name: string) => (await db.selectFrom('blobs').select('name').where('name', '=', name).executeTakeFirst()) !== undefined;

/**
 * Renames the staged files over the data directory's. SQLite's -wal and -shm of a replaced database
 * go first: left beside the restored file, the old log would be replayed into it.
 */
async function moveIntoPlace(staging: string, dataDir: string, manifest: Manifest): Promise<void> {
  const images = join(staging, IMAGES_DIR);
  for (const shard of existsSync(images) ? await readdir(images) : []) {
    await mkdir(join(dataDir, IMAGES_DIR, shard), { recursive: true });
    // Names are content addresses: a file already there holds the same bytes.
    for (const name of await readdir(join(images, shard))) await rename(join(images, shard, name), join(dataDir, IMAGES_DIR, shard, name));
  }
  if (manifest.secret_key_file) {
    const staged = join(staging, SECRET_KEY_FILE);
    await chmod(staged, 0o600);
    const target = join(dataDir, SECRET_KEY_FILE);
    if (!existsSync(target) || readFileSync(target, 'utf8') !== readFileSync(staged, 'utf8')) await rename(staged, target);
  }
  if (manifest.database_included) {
    const target = join(dataDir, DATABASE_FILE);
    for (const suffix of ['-wal', '-shm', '-journal']) await rm(`${target}${suffix}`, { force: true });
    await rename(join(staging, DATABASE_FILE), target);
  }
}
