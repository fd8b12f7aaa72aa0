import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminAuth } from '../../src/domain/admin-auth.js';
import { systemClock } from '../../src/domain/clock.js';
import { ShopService } from '../../src/domain/shop-service.js';
import { KyselyAdminKeyRepository } from '../../src/storage/admin-key-repository.js';
import { adminKeyShop } from '../../src/storage/migrations/014-admin-key-shop.js';
import { createRepositories } from '../../src/storage/repositories.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';

describe.each(DIALECTS)('admin keys and their store, on %s', (dialect) => {
  let db: TestDatabase;
  afterEach(() => db.drop());

  it('keeps a key made before migration 014 a key for every store', async () => {
    db = await freshDatabase(dialect);
    const kysely = db.database.db;
    // Back to the schema before the step, with a key made then.
    await kysely.schema.alterTable('admin_keys').dropColumn('shop_id').execute();
    const auth = new AdminAuth(new KyselyAdminKeyRepository(kysely), systemClock);
    const key = 'pia_made_before_014';
    await sql`INSERT INTO admin_keys (public_id, key_hash, name, created_at) VALUES ('0123456789ab', ${createHash('sha256').update(key).digest('hex')}, 'old', '2024-04-08T07:13:28Z')`.execute(kysely);

    await adminKeyShop(dialect).up(kysely);

    const { session } = await auth.signIn(key, '00000000-0000-4000-8000-000000000000');
    expect(session.shopId).toBeNull();
    expect(await auth.listKeys()).toEqual([{ id: '0123456789ab', name: 'old', created_at: '2024-04-08T07:13:28Z', shop: null }]);
  });

  it('removes the keys limited to a store, and their sessions, with the store', async () => {
    db = await freshDatabase(dialect);
    const repos = createRepositories(db.database);
    const shops = new ShopService(repos.shops, repos.tokens, systemClock);
    const alpha = await shops.create('alpha', { name: 'Alpha' });
    const beta = await shops.create('beta', { name: 'Beta' });
    const auth = new AdminAuth(new KyselyAdminKeyRepository(db.database.db), systemClock);
    const limited = await auth.createKey('alpha merchant', alpha);
    const other = await auth.createKey('beta merchant', beta);
    const full = await auth.createKey('owner');
    const { sessionId } = await auth.signIn(limited.key);
    await repos.shops.delete('alpha');
    await expect(auth.session(sessionId)).rejects.toMatchObject({ code: 'Unauthorized' });
    await expect(auth.signIn(limited.key)).rejects.toMatchObject({ code: 'Unauthorized' });
    // Keys made in the same second are listed in id order: compared as a set.
    const left = (await auth.listKeys()).map((listed) => `${listed.name}: ${listed.shop}`);
    expect(left.sort()).toEqual([`${full.name}: null`, `${other.name}: beta`].sort());
    const rows = await db.database.db.selectFrom('admin_sessions').select('key_id').execute();
    expect(rows).toEqual([]);
  });
});
