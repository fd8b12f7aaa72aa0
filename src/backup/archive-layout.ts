import { isBlobName } from '../imaging/blob-store.js';
import type { DialectName } from '../storage/dialect-name.js';
import { BackupRefused } from './backup-refused.js';

/**
 * A backup is one tar laid out like a data directory, with the manifest first (so a restore reads
 * it before anything else): `manifest.json`, `secret.key` when the data directory has one,
 * `prodimg.sqlite` (SQLite only), and `images/<shard>/<name>`, the local blob store's own layout.
 */
export const MANIFEST = 'manifest.json';
export const DATABASE_FILE = 'prodimg.sqlite';
export const SECRET_KEY_FILE = 'secret.key';
export const IMAGES_DIR = 'images';

const FORMAT = 'prodimg-backup';
/** Raised when an older prodimg could no longer read what this one writes. */
export const FORMAT_VERSION = 1;

export interface Counts {
  stores: number;
  products: number;
  images: number;
  /** Image files in the archive (local blob store) or in the database's blobs table. */
  files: number;
}

export interface Manifest {
  format: typeof FORMAT;
  format_version: number;
  prodimg_version: string;
  created_at: string;
  dialect: DialectName;
  /** False for PostgreSQL: its rows are backed up with pg_dump (docs/backup.md). */
  database_included: boolean;
  blob_store: 'local' | 'database';
  /** The last migration the backed-up database had run. */
  schema_migration: string | null;
  counts: Counts;
  secret_key_file: boolean;
  /** Files the backed-up rows reference that were already gone when the backup was made. */
  missing_files: string[];
}

export function makeManifest(fields: Omit<Manifest, 'format' | 'format_version'>): Manifest {
  return { format: FORMAT, format_version: FORMAT_VERSION, ...fields };
}

/** The manifest read from an archive, checked field by field: anything else is not one of ours. */
export function parseManifest(text: string, file: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw notABackup(file, 'its manifest.json is not JSON');
  }
  const m = value as Partial<Manifest> | null;
  if (m === null || typeof m !== 'object' || m.format !== FORMAT) throw notABackup(file, 'its manifest.json is not a prodimg backup manifest');
  if (typeof m.format_version !== 'number' || m.format_version > FORMAT_VERSION) {
    throw new BackupRefused(`${file} is a backup of format ${String(m.format_version)}, made by prodimg ${String(m.prodimg_version)}; this prodimg reads format ${FORMAT_VERSION}: restore it with that version or newer`);
  }
  const counts = m.counts as Partial<Counts> | undefined;
  const sound =
    (m.dialect === 'sqlite' || m.dialect === 'postgres') &&
    typeof m.database_included === 'boolean' &&
    m.database_included === (m.dialect === 'sqlite') &&
    (m.blob_store === 'local' || m.blob_store === 'database') &&
    typeof m.prodimg_version === 'string' &&
    typeof m.created_at === 'string' &&
    (m.schema_migration === null || typeof m.schema_migration === 'string') &&
    typeof m.secret_key_file === 'boolean' &&
    Array.isArray(m.missing_files) &&
    m.missing_files.every((name) => typeof name === 'string' && isBlobName(name)) &&
    counts !== undefined &&
    ['stores', 'products', 'images', 'files'].every((key) => Number.isSafeInteger(counts[key as keyof Counts]));
  if (!sound) throw notABackup(file, 'its manifest.json lacks fields or has wrong ones');
  return m as Manifest;
}

export function notABackup(file: string, why: string): BackupRefused {
  return new BackupRefused(`${file} is not a prodimg backup (${why})`);
}

/** `images/ab/ab...png` for a blob name. */
export function imageEntry(name: string): string {
  return `${IMAGES_DIR}/${name.slice(0, 2)}/${name}`;
}

/**
 * Whether an archive entry is one a backup holds: the fixed files, the images folder and its
 * shards, and blob names in their own shard. Anything else (a path elsewhere, `..`, a link) is
 * refused by the restore before it is written.
 */
export function isArchiveEntry(path: string, type: 'file' | 'directory'): boolean {
  const clean = path.replace(/\/$/, '');
  if (type === 'file' && [MANIFEST, DATABASE_FILE, SECRET_KEY_FILE].includes(clean)) return true;
  const parts = clean.split('/');
  if (parts[0] !== IMAGES_DIR) return false;
  if (type === 'directory') return parts.length === 1 || (parts.length === 2 && /^[0-9a-f]{2}$/.test(parts[1]!));
  return parts.length === 3 && isBlobName(parts[2]!) && parts[2]!.startsWith(parts[1]!);
}
