import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminAuth } from '../../src/domain/admin-auth.js';
import { systemClock } from '../../src/domain/clock.js';
import { ShopService } from '../../src/domain/shop-service.js';
import { KyselyAdminKeyRepository } from '../../src/storage/admin-key-repository.js';
import { createRepositories } from '../../src/storage/repositories.js';
import { BIN, cliEnv } from '../reliability/support-server.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { WAIT_MS } from '../support/waiting.js';

describe.each(DIALECTS)('prodimg admin-key on %s', (dialect) => {
  let db: TestDatabase;
  const run = (...args: string[]) => {
    const res = spawnSync(process.execPath, [BIN, ...args], { env: cliEnv({ dataDir: db.dataDir, databaseUrl: db.databaseUrl }), encoding: 'utf8', timeout: WAIT_MS });
    if (res.error) throw new Error(`prodimg ${args.join(' ')}: ${res.error.message}`);
    return { code: res.status, stdout: res.stdout, stderr: res.stderr };
  };

  beforeAll(async () => {
    db = await freshDatabase(dialect);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('creates a key shown once on the last line, lists it without the key, and revokes it', async () => {
    const created = run('admin-key', 'create', '--name', 'ops laptop');
    expect(created.code).toBe(0);
    const lines = created.stdout.trim().split('\n');
    const id = /^# admin key ([0-9a-f]{12}) \(ops laptop\); shown once, store it now$/.exec(lines[0]!)?.[1];
    expect(id).toBeDefined();
    const key = lines.at(-1)!;
    expect(key).toMatch(/^pia_[0-9a-f]{64}$/);
    const auth = new AdminAuth(new KyselyAdminKeyRepository(db.database.db), systemClock);
    await expect(auth.signIn(key)).resolves.toMatchObject({ session: { keyId: id } });

    const listed = run('admin-key', 'list');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([{ id, name: 'ops laptop', created_at: expect.any(String), shop: null }]);
    expect(listed.stdout).not.toContain(key.slice(4));

    expect(run('admin-key', 'revoke', id!)).toMatchObject({ code: 0, stdout: `${JSON.stringify({ revoked: id }, null, 2)}\n` });
    await expect(auth.signIn(key)).rejects.toMatchObject({ code: 'Unauthorized' });
    const again = run('admin-key', 'revoke', id!);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`prodimg: No admin key with id ${id}; \`prodimg admin-key list\` shows them\n`);
  });

  it('creates a key limited to one store with --shop, which signs in for that store only', async () => {
    const repos = createRepositories(db.database);
    const shops = new ShopService(repos.shops, repos.tokens, systemClock);
    const alpha = await shops.create('alpha', { name: 'Alpha' });
    const beta = await shops.create('beta', { name: 'Beta' });
    const created = run('admin-key', 'create', '--name', 'alpha merchant', '--shop', 'alpha');
    expect(created.code).toBe(0);
    const lines = created.stdout.trim().split('\n');
    const id = /^# admin key ([0-9a-f]{12}) \(alpha merchant\) for store alpha only; shown once, store it now$/.exec(lines[0]!)?.[1];
    expect(id).toBeDefined();
    const key = lines.at(-1)!;
    const auth = new AdminAuth(new KyselyAdminKeyRepository(db.database.db), systemClock);
    await expect(auth.signIn(key, alpha.id)).resolves.toMatchObject({ session: { keyId: id, shopId: alpha.id } });
    await expect(auth.signIn(key, beta.id)).rejects.toMatchObject({ code: 'Forbidden' });
    expect(JSON.parse(run('admin-key', 'list').stdout)).toContainEqual({ id, name: 'alpha merchant', created_at: expect.any(String), shop: 'alpha' });

    const unknown = run('admin-key', 'create', '--shop', 'nowhere');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('prodimg: --shop: no store with subdomain nowhere; `prodimg shops list` shows them\n');
    expect((await auth.listKeys()).filter((listed) => listed.name === 'admin')).toEqual([]);
  });

  it('says what --shop does in admin-key create --help', () => {
    const help = run('admin-key', 'create', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('--shop <subdomain> limit the key to this store: it manages only this store on the admin page and approves app installs (OAuth consent) only for it');
  });
});
