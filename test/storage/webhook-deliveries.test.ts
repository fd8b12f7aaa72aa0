import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSecretBox } from '../../src/secret-box.js';
import { createRepositories } from '../../src/storage/repositories.js';
import { SigningSecrets } from '../../src/storage/signing-secrets.js';
import { type ClaimCaps, WebhookDeliveries } from '../../src/storage/webhook-deliveries.js';
import { recordEvent } from '../../src/storage/webhook-outbox.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { createShopToken } from '../support/shops.js';

/** Caps too wide to matter: the claim is limited by its slots alone. */
const open = (slots: number): ClaimCaps => ({ slots, perStore: 1000, perAddress: 1000 });

/** Deliveries whose clock the test sets by hand (`at(ms)`), in the database clock's format, to move past leases without waiting. */
function handClocked(database: TestDatabase['database']) {
  let ms = 0;
  const deliveries = new WebhookDeliveries(database.db, database.dialect, (offsetMs = 0) => sql.val(new Date(ms + offsetMs).toISOString()));
  return (at: number) => {
    ms = at;
    return deliveries;
  };
}

describe.each(DIALECTS)('webhook delivery claims on %s', (dialect) => {
  let db: TestDatabase;
  let at: (ms: number) => WebhookDeliveries;
  let shopId: string;
  beforeAll(async () => {
    db = await freshDatabase(dialect);
    await createShopToken(db.database, 'claims');
    shopId = (await createRepositories(db.database).shops.find('claims'))!.id;
    await createRepositories(db.database).webhooks.create(shopId, { topic: 'app/uninstalled', address: 'https://a.example/x', apiVersion: '2022-01', appId: null }, '2024-01-01T00:00:00Z', 100);
    at = handClocked(db.database);
  });
  afterAll(() => db.drop());

  it('gives each due delivery to one claimer at a time, and again once its lease has run out', async () => {
    for (let i = 0; i < 20; i++) await recordEvent(db.database, shopId, 'app/uninstalled', { shop: { n: i } }, '2024-01-01T00:00:00Z');
    const now = Date.now() + 1000;
    const [a, b, c] = await Promise.all([at(now).claim(10_000, open(8)), at(now).claim(10_000, open(8)), at(now).claim(10_000, open(8))]);
    const ids = [...a!, ...b!, ...c!].map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(8);
    const rest = await at(now).claim(10_000, open(100));
    expect(ids.length + rest.length).toBe(20);
    expect(await at(now).claim(10_000, open(100))).toEqual([]);
    // A claimer that died: its lease runs out and the attempt is made again (the attempt count says so).
    const again = await at(now + 10_001).claim(10_000, open(100));
    expect(again).toHaveLength(20);
    expect(again.every((d) => d.attempt === 2 && d.round === 2)).toBe(true);
  });
});

describe.each(DIALECTS)("webhook times from the database's clock on %s (issue 28: a server whose clock ran ahead took live leases)", (dialect) => {
  const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
  /** The database's clock is this machine's: its times fall within what Date.now() read around the call (to the millisecond). */
  const within = (value: string, from: number, to: number) => {
    expect(value).toMatch(ISO_MS);
    expect(Date.parse(value)).toBeGreaterThanOrEqual(from - 1);
    expect(Date.parse(value)).toBeLessThanOrEqual(to + 1);
  };

  it('writes due times, leases and next attempts in the columns\' fixed-length format, and finishing matches the lease the claim wrote', async () => {
    const db = await freshDatabase(dialect);
    try {
      await createShopToken(db.database, 'clocked');
      const shopId = (await createRepositories(db.database).shops.find('clocked'))!.id;
      await createRepositories(db.database).webhooks.create(shopId, { topic: 'app/uninstalled', address: 'https://a.example/x', apiVersion: '2022-01', appId: null }, '2024-01-01T00:00:00Z', 100);
      const deliveries = new WebhookDeliveries(db.database.db, db.database.dialect);
      const row = () => db.database.db.selectFrom('webhook_deliveries').select(['next_attempt_at', 'lease_until', 'status']).executeTakeFirstOrThrow();
      let from = Date.now();
      await recordEvent(db.database, shopId, 'app/uninstalled', { shop: {} }, '2024-01-01T00:00:00Z');
      within((await row()).next_attempt_at, from, Date.now());

      from = Date.now();
      const [claimed] = await deliveries.claim(60_000, open(10));
      within(claimed!.lease, from + 60_000, Date.now() + 60_000);
      expect((await row()).lease_until).toBe(claimed!.lease);
      expect(await deliveries.claim(60_000, open(10)), 'leased').toEqual([]);

      from = Date.now();
      await deliveries.finish(claimed!, { ok: false, statusCode: 503, error: 'HTTP 503', durationMs: 1 }, 30_000);
      const retried = await row();
      expect(retried).toMatchObject({ status: 'pending', lease_until: null });
      within(retried.next_attempt_at, from + 30_000, Date.now() + 30_000);
      expect(await deliveries.claim(60_000, open(10)), 'not due for 30 s').toEqual([]);

      from = Date.now();
      expect(await deliveries.redeliver(claimed!.id)).toBe(true);
      within((await row()).next_attempt_at, from, Date.now());
      const [again] = await deliveries.claim(60_000, open(10));
      expect(again).toMatchObject({ id: claimed!.id, attempt: 2, round: 1 });
    } finally {
      await db.drop();
    }
  });
});

describe.each(DIALECTS)('fair webhook claims on %s (issue 22: one store stalled every store)', (dialect) => {
  let db: TestDatabase;
  let at: (ms: number) => WebhookDeliveries;
  const shops: Record<string, string> = {};
  const T = '2024-01-01T00:00:00Z';
  beforeAll(async () => {
    db = await freshDatabase(dialect);
    at = handClocked(db.database);
  });
  afterAll(() => db.drop());

  /** A store subscribed to app/uninstalled at each address (one delivery per address per event). */
  async function store(name: string, addresses: string[]): Promise<string> {
    await createShopToken(db.database, name);
    const id = (await createRepositories(db.database).shops.find(name))!.id;
    for (const address of addresses) await createRepositories(db.database).webhooks.create(id, { topic: 'app/uninstalled', address, apiVersion: '2022-01', appId: null }, T, 100);
    shops[id] = name;
    return id;
  }
  const fire = (shopId: string, times = 1) => Promise.all(Array.from({ length: times }, () => recordEvent(db.database, shopId, 'app/uninstalled', { shop: {} }, T)));
  const byStore = (claimed: Array<{ shopId: string }>) => claimed.map((d) => shops[d.shopId]).sort();
  const drain = async (now: number) => {
    for (let got = await at(now).claim(60_000, open(1000)); got.length > 0; got = await at(now).claim(60_000, open(1000))) {
      for (const d of got) await at(now).finish(d, { ok: true, statusCode: 200, durationMs: 1 }, null);
    }
  };

  it('takes stores in turn: a later store is claimed beside one with a long backlog', async () => {
    const busy = await store('busy', Array.from({ length: 10 }, (_, i) => `https://busy.example/${i}`));
    await fire(busy, 3);
    const quiet = await store('quiet', ['https://quiet.example/x']);
    await fire(quiet);
    const now = Date.now() + 1000;
    // Two slots: the busy store's oldest and the quiet store's only one, not two of the busy store's 30.
    expect(byStore(await at(now).claim(60_000, { slots: 2, perStore: 4, perAddress: 2 }))).toEqual(['busy', 'quiet']);
    await drain(now + 120_000);
  });

  it("holds at most perStore leases live for a store, counting earlier claims, and frees one when its attempt ends", async () => {
    const hanging = await store('hanging', Array.from({ length: 60 }, (_, i) => `https://hang.example/${i}`));
    await fire(hanging);
    const now = Date.now() + 1000;
    const caps = { slots: 32, perStore: 4, perAddress: 2 };
    const first = await at(now).claim(60_000, caps);
    expect(first).toHaveLength(4);
    expect(await at(now).claim(60_000, caps)).toEqual([]);
    const other = await store('other', ['https://other.example/x']);
    await fire(other);
    expect(byStore(await at(now).claim(60_000, caps))).toEqual(['other']);
    await at(now).finish(first[0]!, { ok: false, statusCode: null, error: 'no answer', durationMs: 1 }, 999_999);
    expect(byStore(await at(now).claim(60_000, caps))).toEqual(['hanging']);
    // Claimers in parallel (PostgreSQL: separate connections) still leave room for none.
    expect((await Promise.all([1, 2, 3].map(() => at(now).claim(60_000, caps)))).flat()).toEqual([]);
    await drain(now + 120_000);
  });

  it('holds at most perAddress leases live for one address, across stores, taking those stores in turn', async () => {
    const shared = 'https://shared.example/hooks';
    const a = await store('share-a', [shared, shared, shared]);
    const b = await store('share-b', [shared, shared]);
    await fire(a, 2);
    await fire(b);
    const now = Date.now() + 1000;
    const caps = { slots: 32, perStore: 4, perAddress: 2 };
    const claims = await Promise.all([1, 2, 3].map(() => at(now).claim(60_000, caps)));
    expect(byStore(claims.flat())).toEqual(['share-a', 'share-b']);
    expect(await at(now).claim(60_000, caps)).toEqual([]);
    await drain(now + 120_000);
  });
});

describe.each(DIALECTS)('webhook rows of a deleted store on %s', (dialect) => {
  it('go with the store: subscriptions, events, deliveries, attempts and its secret', async () => {
    const db = await freshDatabase(dialect);
    try {
      await createShopToken(db.database, 'gone');
      const repos = createRepositories(db.database);
      const shopId = (await repos.shops.find('gone'))!.id;
      await repos.webhooks.create(shopId, { topic: 'app/uninstalled', address: 'https://a.example/x', apiVersion: '2022-01', appId: null }, '2024-01-01T00:00:00Z', 100);
      await recordEvent(db.database, shopId, 'app/uninstalled', { shop: {} }, '2024-01-01T00:00:00Z');
      const deliveries = new WebhookDeliveries(db.database.db, db.database.dialect);
      const [claimed] = await deliveries.claim(10_000, open(1));
      await deliveries.finish(claimed!, { ok: true, statusCode: 200, durationMs: 1 }, null);
      await db.database.db.insertInto('shop_webhook_secrets').values({ shop_id: shopId, sealed: 'v1:x' }).execute();
      expect(await repos.shops.delete('gone')).toEqual([]);
      for (const table of ['webhook_subscriptions', 'webhook_events', 'webhook_deliveries', 'webhook_attempts', 'shop_webhook_secrets'] as const) {
        expect(await db.database.db.selectFrom(table).selectAll().execute(), table).toEqual([]);
      }
    } finally {
      await db.drop();
    }
  });
});

describe.each(DIALECTS)('signing secrets on %s', (dialect) => {
  it("signs an app's subscriptions with its client secret, CLI-made ones with the store's own, sealed at rest and the same in every process", async () => {
    const db = await freshDatabase(dialect);
    try {
      await createShopToken(db.database, 'signer');
      const shopId = (await createRepositories(db.database).shops.find('signer'))!.id;
      const box = await openSecretBox({ secretKey: undefined, dataDir: db.dataDir }, db.database);
      const lookup = async (appId: string) => (appId === 'app-1' ? 'client-secret-1' : null);
      const one = new SigningSecrets(db.database.db, box, lookup);
      const store = await one.secretFor({ shopId, appId: null });
      expect(store).toMatch(/^[0-9a-f]{64}$/);
      expect(await new SigningSecrets(db.database.db, box).secretFor({ shopId, appId: null })).toBe(store);
      const sealed = await db.database.db.selectFrom('shop_webhook_secrets').select('sealed').executeTakeFirstOrThrow();
      expect(sealed.sealed).not.toContain(store);
      expect(await one.secretFor({ shopId, appId: 'app-1' })).toBe('client-secret-1');
      await expect(one.secretFor({ shopId, appId: 'app-2' })).rejects.toThrow('no secret for app app-2');
      await expect(new SigningSecrets(db.database.db, box).secretFor({ shopId, appId: 'app-1' })).rejects.toThrow('no secret for app app-1');
    } finally {
      await db.drop();
    }
  });
});
