import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSIONS } from '../../src/contract/versions.js';
import { systemClock } from '../../src/domain/clock.js';
import { DomainError } from '../../src/domain/errors.js';
import { ShopService } from '../../src/domain/shop-service.js';
import { shopDetails } from '../../src/storage/migrations/006-shop-details.js';
import { createRepositories } from '../../src/storage/repositories.js';
import { startApi, type TestApi } from '../support/api.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';

/** Every field of the platform's shop object, in its order, for a store made with these details. */
const shopOf = (id: string, sub: string, name: string, details: { email: string; currency: string; timezone: string }, time: string) => ({
  id, name, email: details.email, domain: `${sub}.myshoplaza.localhost`,
  address1: '', address2: '', zip: '', city: '', phone: '', primary_locale: 'en-US',
  created_at: time, updated_at: time,
  country_code: '', currency: details.currency, customer_email: details.email, timezone: details.timezone,
  shop_owner: name, account: details.email, province_code: '', icon: { alt: '', src: '', path: '' },
  root_url: `https://${sub}.myshoplaza.localhost`, system_domain: `${sub}.myshoplaza.localhost`,
});

describe.each(DIALECTS)('GET /shop on %s', (dialect) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(() => api.close());

  it("answers the token's store with every field of the platform's shop object, in every version", async () => {
    const made = await api.shops.create('gamma', { name: 'Gamma Goods', email: 'owner@gamma.example', currency: 'eur', timezone: '+08:00' });
    expect(made).toMatchObject({ email: 'owner@gamma.example', currency: 'EUR', timezone: '+0800' });
    const { token } = await api.shops.createToken('gamma', ['read_shop']);
    const expected = { shop: shopOf(made.id, 'gamma', 'Gamma Goods', { email: 'owner@gamma.example', currency: 'EUR', timezone: '+0800' }, made.created_at) };
    const classic = await api.call('GET', '/openapi/2022-01/shop', undefined, { 'access-token': token });
    expect(classic.statusCode).toBe(200);
    // Key order too: clients that print or diff the object see the platform's order.
    expect(classic.body).toBe(JSON.stringify(expected));
    expect((await api.call('GET', '/openapi/2020-07/shop', undefined, { 'access-token': token })).json()).toEqual(expected);
    for (const version of ['2025-06', '2026-01']) {
      // The shop's fields straight under `data`, as apps written for the platform read them (docs/contract.md).
      const enveloped = await api.call('GET', `/openapi/${version}/shop`, undefined, { 'access-token': token, host: 'gamma.myshoplaza.localhost' });
      expect(enveloped.body).toBe(JSON.stringify({ code: 'Success', data: expected.shop }));
      const some = await api.call('GET', `/openapi/${version}/shop?fields=name,id`, undefined, { 'access-token': token });
      expect(some.body).toBe(JSON.stringify({ code: 'Success', data: { id: made.id, name: 'Gamma Goods' } }));
    }
  });

  it('answers GET /shop/{shop_id} of its own store as GET /shop, in every version, fields too', async () => {
    const alpha = (await api.shops.list()).find((shop) => shop.subdomain === 'alpha')!;
    for (const version of API_VERSIONS.map((v) => v.name)) {
      for (const query of ['', '?fields=currency,name', '?fields[]=currency&fields[]=name']) {
        const whole = await api.call('GET', `/openapi/${version}/shop${query}`);
        expect(whole.statusCode).toBe(200);
        for (const id of [alpha.id, alpha.id.toUpperCase()]) {
          const byId = await api.call('GET', `/openapi/${version}/shop/${id}${query}`);
          expect({ status: byId.statusCode, body: byId.body }, `${version} ${id}${query}`).toEqual({ status: 200, body: whole.body });
        }
      }
    }
  });

  it("answers the platform's not-found for another store's id, an unknown one or a malformed one, in each version's shape", async () => {
    const other = await api.shops.create('epsilon', { name: 'Epsilon' });
    for (const id of [other.id, '00000000-0000-4000-8000-000000000000', 'nope', '2019']) {
      const classic = await api.call('GET', `/openapi/2022-01/shop/${id}`);
      expect({ status: classic.statusCode, body: classic.json() }, id).toEqual({ status: 404, body: { errors: ['record not found!'] } });
      expect((await api.call('GET', `/openapi/2020-07/shop/${id}?fields=name`)).body, id).toBe(classic.body);
      for (const version of ['2025-06', '2026-01']) {
        const enveloped = await api.call('GET', `/openapi/${version}/shop/${id}`);
        expect({ status: enveloped.statusCode, body: enveloped.json() }, `${version} ${id}`).toEqual({ status: 404, body: { code: 'NotFound', message: 'record not found!' } });
      }
    }
  });

  it('fills what was not given with the defaults', async () => {
    const alpha = (await api.shops.list()).find((shop) => shop.subdomain === 'alpha')!;
    const res = await api.call('GET', 'shop');
    expect(res.json()).toEqual({ shop: shopOf(alpha.id, 'alpha', 'Alpha', { email: '', currency: 'USD', timezone: '+0000' }, alpha.created_at) });
  });

  it('answers only the fields asked for, in the usual order, ignoring names it does not know', async () => {
    const res = await api.call('GET', 'shop?fields=timezone,nope,name,currency');
    expect(res.body).toBe('{"shop":{"name":"Alpha","currency":"USD","timezone":"+0000"}}');
    expect((await api.call('GET', 'shop?fields=')).json().shop).toHaveProperty('system_domain');
  });

  it('needs read_shop, and a token of an active store', async () => {
    const { token } = await api.shops.createToken('alpha', ['read_product', 'write_product']);
    const denied = await api.call('GET', 'shop', undefined, { 'access-token': token });
    expect({ status: denied.statusCode, body: denied.json() }).toEqual({ status: 403, body: { errors: ['Forbidden: this action requires the read_shop scope'] } });
    const enveloped = await api.call('GET', '/openapi/2026-01/shop', undefined, { 'access-token': token });
    expect({ status: enveloped.statusCode, body: enveloped.json() }).toEqual({
      status: 403,
      body: { code: 'AccessDenied', message: 'Forbidden: this action requires the read_shop scope' },
    });
    const unknown = await api.call('GET', 'shop', undefined, { 'access-token': 'nope' });
    expect({ status: unknown.statusCode, body: unknown.json() }).toEqual({ status: 401, body: { errors: ['Unauthorized'] } });
    // The scope comes before the id: a product token learns nothing of which ids are stores.
    const alpha = (await api.shops.list()).find((shop) => shop.subdomain === 'alpha')!;
    for (const id of [alpha.id, 'nope']) expect((await api.call('GET', `shop/${id}`, undefined, { 'access-token': token })).body).toBe(denied.body);
  });
});

describe('store details given to `prodimg shops create`', () => {
  let db: TestDatabase;
  afterEach(() => db.drop());

  it('are checked, every bad one reported at once, and nothing is created', async () => {
    db = await freshDatabase('sqlite');
    const repos = createRepositories(db.database);
    const shops = new ShopService(repos.shops, repos.tokens, systemClock);
    const refused = await shops.create('delta', { email: 'not-an-address', currency: 'XXY', timezone: '+15:00' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).messages).toEqual([
      'Email must be an address such as owner@example.com; got "not-an-address"',
      'Currency must be an ISO 4217 code such as USD or EUR; got "XXY"',
      'Timezone must be a UTC offset such as +0800 or -0530 (from -1200 to +1400); got "+15:00"',
    ]);
    expect(await repos.shops.find('delta')).toBeNull();
    expect(await shops.create('delta', { timezone: '-0930', currency: 'jpy' })).toMatchObject({ email: '', currency: 'JPY', timezone: '-0930' });
  });
});

describe.each(DIALECTS)('stores made before migration 006, on %s', (dialect) => {
  let db: TestDatabase;
  afterEach(() => db.drop());

  it('get the default details', async () => {
    db = await freshDatabase(dialect);
    const kysely = db.database.db;
    for (const column of ['email', 'currency', 'timezone']) await kysely.schema.alterTable('shops').dropColumn(column).execute();
    await sql`INSERT INTO shops (id, subdomain, name, active, created_at, updated_at)
      VALUES ('11111111-1111-4111-8111-111111111111', 'old', 'Old', 1, '2024-04-08T07:00:00Z', '2024-04-08T07:00:00Z')`.execute(kysely);
    await shopDetails().up(kysely);
    expect(await createRepositories(db.database).shops.find('old')).toMatchObject({ email: '', currency: 'USD', timezone: '+0000' });
  });
});
