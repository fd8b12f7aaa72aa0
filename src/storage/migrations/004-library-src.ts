import type { Kysely, Migration } from 'kysely';

/**
 * Images of our own library stored their whole CDN URL, with the host and port of the server that
 * created them baked in (`//127.0.0.1:8080/cdn/<md5>.jpg`). They now store the file name alone and
 * the answer makes the URL (contract/library-src.ts). A row is ours when its `path` is an original's
 * name and its `src` is the protocol-relative URL the ingestor wrote, ending in that name; a URL a
 * client sent with ingestion off is kept. The name grammar is copied, not imported: a migration must
 * keep doing what it did when later code changes.
 */
const ORIGINAL_NAME = /^[0-9a-f]{32}\.(jpg|png|webp|gif|avif|jp2)$/;
const BATCH = 500;

export function librarySrc(): Migration {
  return {
    async up(db: Kysely<any>) {
      // Pages by id (a uuid on PostgreSQL, text on SQLite; either orders), so memory stays flat.
      let after: string | undefined;
      for (;;) {
        let page = db.selectFrom('images').select(['id', 'src', 'path']).where('src', 'like', '//%');
        if (after !== undefined) page = page.where('id', '>', after);
        const rows: Array<{ id: string; src: string; path: string }> = await page.orderBy('id').limit(BATCH).execute();
        if (rows.length === 0) return;
        after = rows[rows.length - 1]!.id;
        const ours = rows.filter((row) => ORIGINAL_NAME.test(row.path) && row.src.endsWith(`/${row.path}`)).map((row) => row.id);
        if (ours.length > 0) await db.updateTable('images').set((eb) => ({ src: eb.ref('path') })).where('id', 'in', ours).execute();
      }
    },
  };
}
