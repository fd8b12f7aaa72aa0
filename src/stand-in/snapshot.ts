import type { Kysely } from 'kysely';
import { type BlobStore, isBlobName } from '../imaging/blob-store.js';
import type { Schema } from '../storage/schema.js';

/**
 * Kept through a reset: the key check (secrets stay sealed under the same key), the blob bytes, and
 * the admin page's keys and sessions (the server's administrator, not a store's data).
 */
type Kept = 'secret_key_check' | 'blobs' | 'admin_keys' | 'admin_sessions';
type Restored = Exclude<keyof Schema, Kept>;

/** Every table a reset puts back, parents before children (deleted in the reverse order). */
const TABLES = [
  'shops',
  'access_tokens',
  'apps',
  'oauth_codes',
  'refresh_tokens',
  'products',
  'images',
  'product_options',
  'variants',
  'shop_webhook_secrets',
  'webhook_subscriptions',
  'webhook_events',
  'webhook_deliveries',
  'webhook_attempts',
  'import_runs',
  'import_items',
  'source_files',
  'mirror_sources',
] as const satisfies readonly Restored[];
// A table added to the schema must be listed above (or kept on purpose): the compiler says so.
const listsEveryTable: [Exclude<Restored, (typeof TABLES)[number]>] extends [never] ? true : never = true;
void listsEveryTable;

/** Rows per insert: well under SQLite's and PostgreSQL's limits on bound values. */
const BATCH = 100;

/** The database's rows as a stand-in's seed left them, and the image files its images use. */
export interface Snapshot {
  rows: ReadonlyMap<Restored, readonly object[]>;
  files: ReadonlyMap<string, Buffer>;
}

export async function takeSnapshot(db: Kysely<Schema>, blobs: BlobStore): Promise<Snapshot> {
  const rows = new Map<Restored, object[]>();
  for (const table of TABLES) rows.set(table, await db.selectFrom(table).selectAll().execute());
  // A test deleting a seeded image releases its file: the reset puts it back. (With ingestion off a
  // path is the source's own file name, not a stored file.)
  const files = new Map<string, Buffer>();
  for (const { path } of (rows.get('images') ?? []) as Array<{ path: string }>) {
    const bytes = isBlobName(path) && !files.has(path) ? await blobs.get(path) : null;
    if (bytes) files.set(path, bytes);
  }
  return { rows, files };
}

/** Back to the snapshot in one transaction: every restored table emptied and refilled. */
export async function restoreSnapshot(db: Kysely<Schema>, blobs: BlobStore, snapshot: Snapshot): Promise<void> {
  for (const [name, bytes] of snapshot.files) if (!(await blobs.has(name))) await blobs.put(name, bytes);
  await db.transaction().execute(async (trx) => {
    for (const table of [...TABLES].reverse()) await trx.deleteFrom(table).execute();
    for (const table of TABLES) {
      const rows = snapshot.rows.get(table) ?? [];
      for (let i = 0; i < rows.length; i += BATCH) await trx.insertInto(table).values(rows.slice(i, i + BATCH) as never).execute();
    }
  });
}
