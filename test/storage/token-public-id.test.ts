import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { initial } from '../../src/storage/migrations/001-initial.js';
import { imageFiles } from '../../src/storage/migrations/002-image-files.js';
import { sqliteDialect } from '../../src/storage/sqlite/sqlite-dialect.js';

describe('migration 003-token-public-id', () => {
  it('gives every token made before it a distinct short public id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodimg-migrate-'));
    const { db, close } = sqliteDialect(dir).open();
    try {
      const before = new Migrator({
        db,
        provider: { getMigrations: async () => ({ '001-initial': initial('sqlite'), '002-image-files': imageFiles('sqlite') }) },
        migrationTableName: 'prodimg_migrations',
        migrationLockTableName: 'prodimg_migrations_lock',
      });
      expect((await before.migrateToLatest()).error).toBeUndefined();
      const now = '2024-01-01T00:00:00Z';
      await db.insertInto('shops').values({ id: '00000000-0000-4000-8000-000000000001', subdomain: 'old', name: 'Old', active: 1, created_at: now, updated_at: now }).execute();
      for (const hash of ['a', 'b', 'c']) {
        // The table as 002 left it, without public_id: the schema type describes it after 003.
        await (db as any).insertInto('access_tokens').values({ token_hash: hash, shop_id: '00000000-0000-4000-8000-000000000001', scopes: 'read_product', created_at: now }).execute();
      }
      await migrateToLatest(db, 'sqlite');
      const ids = (await db.selectFrom('access_tokens').select('public_id').execute()).map((row) => row.public_id);
      expect(ids).toHaveLength(3);
      expect(ids.every((id) => /^[0-9a-f]{12}$/.test(id))).toBe(true);
      expect(new Set(ids).size).toBe(3);
    } finally {
      await close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
