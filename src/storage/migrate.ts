import { type Kysely, type Migration, type MigrationResultSet, Migrator } from 'kysely';
import type { DialectName } from './dialect-name.js';
import { errorCause } from './error-cause.js';
import { initial } from './migrations/001-initial.js';
import { imageFiles } from './migrations/002-image-files.js';
import { tokenPublicId } from './migrations/003-token-public-id.js';
import { librarySrc } from './migrations/004-library-src.js';
import { variantsAndOptions } from './migrations/005-variants-and-options.js';
import { shopDetails } from './migrations/006-shop-details.js';
import { rateLimitedTokens } from './migrations/007-rate-limited-tokens.js';
import { secretKeyCheck } from './migrations/008-secret-key-check.js';
import { apps } from './migrations/009-apps.js';
import { webhooks } from './migrations/010-webhooks.js';
import { adminKeys } from './migrations/011-admin-keys.js';
import { catalogueTransfer } from './migrations/012-catalogue-transfer.js';
import { mirrorSources } from './migrations/013-mirror-sources.js';
import { adminKeyShop } from './migrations/014-admin-key-shop.js';
import { productFields } from './migrations/015-product-fields.js';

function migrations(dialect: DialectName): Record<string, Migration> {
  return {
    '001-initial': initial(dialect),
    '002-image-files': imageFiles(dialect),
    '003-token-public-id': tokenPublicId(dialect),
    '004-library-src': librarySrc(),
    '005-variants-and-options': variantsAndOptions(dialect),
    '006-shop-details': shopDetails(),
    '007-rate-limited-tokens': rateLimitedTokens(),
    '008-secret-key-check': secretKeyCheck(),
    '009-apps': apps(dialect),
    '010-webhooks': webhooks(dialect),
    '011-admin-keys': adminKeys(),
    '012-catalogue-transfer': catalogueTransfer(dialect),
    '013-mirror-sources': mirrorSources(dialect),
    '014-admin-key-shop': adminKeyShop(dialect),
    '015-product-fields': productFields(),
  };
}

/** The names of every migration this prodimg knows, in order: a backup from a newer one has others. */
export function migrationNames(dialect: DialectName): string[] {
  return Object.keys(migrations(dialect)).sort();
}

/** Brings the schema up to date; reports what ran, and throws one clear error if a step failed. */
export async function migrateToLatest(db: Kysely<any>, dialect: DialectName): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations(dialect) },
    migrationTableName: 'prodimg_migrations',
    migrationLockTableName: 'prodimg_migrations_lock',
    // Numbers are reserved by branches developed in parallel (009 for OAuth apps, 010 for webhooks): a
    // database that ran 010 before 009 existed must still take 009 when it arrives. Such steps touch
    // separate tables, so their order does not matter.
    allowUnorderedMigrations: true,
  });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    // No step failed: the migrator could not start (no connection, no such database, no rights), so the cause is the whole story.
    throw new Error(failed ? `database migration ${failed} failed: ${errorCause(result.error)}` : errorCause(result.error));
  }
  return result;
}
