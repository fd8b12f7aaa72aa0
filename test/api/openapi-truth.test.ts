import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../../src/contract/error-catalogue.js';
import { type AnyOperation, errorsOf } from '../../src/contract/operation.js';
import { OPERATIONS } from '../../src/contract/operations/index.js';
import { isUuidId } from '../../src/contract/uuid.js';
import { API_VERSIONS } from '../../src/contract/versions.js';
import type { ErrorCode } from '../../src/domain/errors.js';
import { AdminAuth } from '../../src/domain/admin-auth.js';
import { systemClock } from '../../src/domain/clock.js';
import { SIGN_IN_LIMITS } from '../../src/server/sign-in-throttle.js';
import { KyselyAdminKeyRepository } from '../../src/storage/admin-key-repository.js';
import { startApi, type TestApi } from '../support/api.js';
import { appsOf } from '../support/apps.js';
import { consentBrowser, csrfTokenOf } from '../support/consent.js';
import { DIALECTS } from '../support/databases.js';
import { documentValidator } from '../support/openapi.js';

/**
 * The OpenAPI documents tell the truth: for every operation of every served version, real requests
 * (its success and each error it documents) get a status the document lists, with a body its schema
 * for that status accepts; an error's body is one of the documented examples, byte for byte, when
 * the request is the one the example stands for. Every error an operation documents is provoked
 * here, or listed in NOT_PROVOKED with the reason. An operation without a plan below fails.
 */

/** Errors no deterministic request over HTTP reaches (recorded-answers.test.ts says the same). */
const NOT_PROVOKED: Partial<Record<ErrorCode, string>> = {
  DatabaseUnavailable: 'needs the database to go away mid-test (test/reliability/pg-restart.test.ts)',
  ShuttingDown: 'a race with a shutdown (test/reliability/shutdown.test.ts)',
  Internal: 'needs a failing dependency',
  InsufficientStorage: 'needs a full disk (test/reliability/disk-full.test.ts)',
  StorageUnavailable: 'needs a read-only data directory or a bucket out of reach (test/reliability and the S3 tests)',
  Overloaded: 'needs the download queue full; ingestion is off in API suites (test/reliability/bounded-bursts.test.ts)',
};

const MISSING = '00000000-0000-4000-8000-000000000000';

/** A request for one operation: its path's ids, its query and body. */
interface Call {
  ids: Record<string, string>;
  query?: string;
  body?: unknown;
}

/** A request beyond the ones every operation gets, and the error it must answer. */
interface Extra extends Call {
  name: string;
  code: ErrorCode;
  /** The body is one of the documented examples (false: only its schema is checked). */
  exact?: boolean;
}

interface Plan {
  /** A request that succeeds (resources made fresh for it: it may change or delete them). */
  /** `version`: the API version's name, for the bodies whose shape it decides (webhooks). */
  success(world: World, version: string): Promise<Call>;
  extras?(world: World, version: string): Promise<Extra[]>;
}

interface World {
  api: TestApi;
  /** Creates a product as `POST /products` answers it (2022-01 shape). */
  product(fields?: Record<string, unknown>): Promise<any>;
  /** Subscribes a new address to products/update; its id. */
  webhook(): Promise<string>;
}

const twoVariants = {
  options: [{ name: 'Size', values: ['M', 'L'] }],
  variants: [
    { option1: 'M', price: '1' },
    { option1: 'L', price: '2' },
  ],
};
const image = { src: 'https://img.example.com/front.jpg', width: 800, height: 600, alt: 'Front' };

const PLANS: Record<string, Plan> = {
  listProductImages: { success: async (w) => ({ ids: { product_id: (await w.product({ images: [image] })).id } }) },
  countProductImages: { success: async (w) => ({ ids: { product_id: (await w.product()).id } }) },
  getProductImage: {
    success: async (w) => {
      const product = await w.product({ images: [image] });
      return { ids: { product_id: product.id, image_id: product.images[0].id } };
    },
  },
  createProductImage: { success: async (w) => ({ ids: { product_id: (await w.product()).id }, body: { image: { src: 'https://img.example.com/new.jpg' } } }) },
  updateProductImage: {
    success: async (w) => {
      const product = await w.product({ images: [image] });
      return { ids: { product_id: product.id, image_id: product.images[0].id }, body: { image: { alt: 'Back' } } };
    },
    extras: async (w) => {
      const product = await w.product({ images: [image] });
      return [{ name: 'bad position', code: 'Validation', ids: { product_id: product.id, image_id: product.images[0].id }, body: { image: { position: 'x' } } }];
    },
  },
  deleteProductImage: {
    success: async (w) => {
      const product = await w.product({ images: [image] });
      return { ids: { product_id: product.id, image_id: product.images[0].id } };
    },
    extras: async (w) => [{ name: 'image missing', code: 'ImageNotFound', exact: true, ids: { product_id: (await w.product()).id, image_id: MISSING } }],
  },
  listProducts: {
    success: async (w) => (await w.product({ images: [image] }), { ids: {}, query: 'per_page=1' }),
    extras: async () => [{ name: 'per_page 0', code: 'Validation', ids: {}, query: 'per_page=0' }],
  },
  countProducts: {
    success: async () => ({ ids: {}, query: 'published_status=any' }),
    extras: async () => [{ name: 'bad ids', code: 'Validation', ids: {}, query: 'ids=nope' }],
  },
  getProduct: { success: async (w) => ({ ids: { product_id: (await w.product({ images: [image], ...twoVariants })).id } }) },
  createProduct: { success: async () => ({ ids: {}, body: { product: { title: 'New', images: [image] } } }) },
  updateProduct: { success: async (w) => ({ ids: { product_id: (await w.product()).id }, body: { product: { title: 'Renamed' } } }) },
  deleteProduct: { success: async (w) => ({ ids: { product_id: (await w.product()).id } }) },
  listVariants: { success: async (w) => ({ ids: { product_id: (await w.product(twoVariants)).id } }) },
  countVariants: { success: async (w) => ({ ids: { product_id: (await w.product(twoVariants)).id } }) },
  getVariant: { success: async (w) => ({ ids: { variant_id: (await w.product(twoVariants)).variants[0].id } }) },
  createVariant: {
    success: async (w) => ({ ids: { product_id: (await w.product({ options: twoVariants.options })).id }, body: { variant: { option1: 'L', price: '3' } } }),
    extras: async (w) => [{ name: 'no options', code: 'Validation', ids: { product_id: (await w.product()).id }, body: { variant: { price: '1' } } }],
  },
  updateVariant: { success: async (w) => ({ ids: { variant_id: (await w.product(twoVariants)).variants[0].id }, body: { variant: { price: '4' } } }) },
  deleteVariant: {
    success: async (w) => {
      const product = await w.product(twoVariants);
      return { ids: { product_id: product.id, variant_id: product.variants[1].id } };
    },
    extras: async (w) => {
      const product = await w.product();
      return [{ name: 'last variant', code: 'Validation', ids: { product_id: product.id, variant_id: product.variants[0].id } }];
    },
  },
  listAccessScopes: { success: async () => ({ ids: {} }) },
  getShop: { success: async () => ({ ids: {}, query: 'fields=name,currency' }) },
  getShopById: {
    success: async (w) => ({ ids: { shop_id: (await w.api.call('GET', '/openapi/2022-01/shop')).json().shop.id }, query: 'fields[]=name&fields[]=currency' }),
    extras: async (w) => {
      const beta = (await w.api.shops.list()).find((shop) => shop.subdomain === 'beta')!;
      return [{ name: "another store's id", code: 'ShopNotFound', exact: true, ids: { shop_id: beta.id } }];
    },
  },
  listWebhooks: {
    success: async () => ({ ids: {}, query: 'limit=10' }),
    extras: async () => [{ name: 'bad limit', code: 'Validation', ids: {}, query: 'limit=0' }],
  },
  countWebhooks: { success: async () => ({ ids: {} }) },
  getWebhook: { success: async (w) => ({ ids: { webhook_id: await w.webhook() } }) },
  createWebhook: { success: async (_w, version) => ({ ids: {}, body: webhookBody(version, { topic: 'products/update', address: 'https://hooks.example.com/new' }) }) },
  updateWebhook: { success: async (w, version) => ({ ids: { webhook_id: await w.webhook() }, body: webhookBody(version, { topic: 'products/update', address: 'https://hooks.example.com/moved' }) }) },
  deleteWebhook: { success: async (w) => ({ ids: { webhook_id: await w.webhook() } }) },
};

/** A subscription's fields flat or inside `webhook`, as the version's descriptor says. */
const webhookBody = (version: string, fields: Record<string, string>) =>
  API_VERSIONS.find((served) => served.name === version)!.webhookBody === 'wrapped' ? { webhook: fields } : fields;

/** The `{ "<root>": {} }` body: its root present, every field missing (what the document's example stands for). */
const emptyBody = (op: AnyOperation, version: string) =>
  typeof op.body === 'function' ? webhookBody(version, {}) : { [Object.keys((op.body as any).properties)[0]!]: {} };

describe.each(DIALECTS)('the OpenAPI documents tell the truth on %s', (dialect) => {
  let api: TestApi;
  let world: World;
  const tokens: Record<'readOnly' | 'shopOnly' | 'inactive', string> = { readOnly: '', shopOnly: '', inactive: '' };

  beforeAll(async () => {
    // A limited token's bucket holds one request (for the 429), the store's as many as the suite sends.
    api = await startApi(dialect, { env: { PRODIMG_RATE_LIMIT: 'app:1/0.001,store:100000/1000' } });
    tokens.readOnly = (await api.shops.createToken('alpha', ['read_product'])).token;
    tokens.shopOnly = (await api.shops.createToken('alpha', ['read_shop'])).token;
    await api.shops.create('beta', { name: 'Beta' });
    tokens.inactive = (await api.shops.createToken('beta', ['read_product', 'write_product'])).token;
    await api.shops.setActive('beta', false);
    world = {
      api,
      async product(fields = {}) {
        const res = await api.call('POST', '/openapi/2022-01/products', { product: { title: 'Shirt', ...fields } });
        if (res.statusCode !== 200) throw new Error(`product create failed: ${res.body}`);
        return res.json().product;
      },
      async webhook() {
        const res = await api.call('POST', '/openapi/2022-01/webhooks', { topic: 'products/update', address: `https://hooks.example.com/${randomUUID()}` });
        if (res.statusCode !== 200) throw new Error(`webhook create failed: ${res.body}`);
        return res.json().webhook.id;
      },
    };
  });
  afterAll(() => api?.close());

  it('has a plan for every operation, and none for an operation that is gone', () => {
    expect(OPERATIONS.map((op) => op.id).filter((id) => !PLANS[id])).toEqual([]);
    expect(Object.keys(PLANS).filter((id) => !OPERATIONS.some((op) => op.id === id))).toEqual([]);
  });

  it('documents the OAuth endpoints truthfully: every status they answer, and the token answers against their schemas', async () => {
    const res = await api.call('GET', '/openapi.json');
    const validator = documentValidator(res.json());
    const apps = await appsOf(api);
    const { app, clientSecret } = await apps.create({ name: 'Documented', redirectUri: 'https://app.example/cb' });
    const host = { host: 'alpha.myshoplaza.localhost' };
    const formType = { 'content-type': 'application/x-www-form-urlencoded', ...host };
    const asked = { client_id: app.client_id, redirect_uri: 'https://app.example/cb', response_type: 'code', scope: 'read_product', state: 's' };
    const seen: Array<[string, number]> = [];
    const answered = (operationId: string, status: number, body?: unknown) => {
      seen.push([operationId, status]);
      expect(validator.statuses(operationId), `${operationId} documents ${status}`).toContain(status);
      if (body !== undefined) expect(validator.problems(operationId, status, body), `${operationId} ${status} ${JSON.stringify(body)}`).toEqual([]);
    };
    answered('oauthAuthorize', (await api.call('GET', `/admin/oauth/authorize?${new URLSearchParams(asked)}`, undefined, host)).statusCode);
    answered('oauthAuthorize', (await api.call('GET', `/admin/oauth/authorize?${new URLSearchParams({ ...asked, client_id: 'nope' })}`, undefined, host)).statusCode);
    // The merchant signs in (a wrong key, another site, a bad request, then the key), and approves.
    const merchant = consentBrowser(api.base, host.host);
    const adminKeys = new AdminAuth(new KyselyAdminKeyRepository(api.db.database.db), systemClock);
    const merchantKey = (await adminKeys.createKey('documented')).key;
    answered('oauthSignIn', (await merchant.signIn(asked, 'pia_wrong')).status);
    answered('oauthSignIn', (await merchant.signIn(asked, merchantKey, { origin: 'https://evil.example' })).status);
    answered('oauthSignIn', (await merchant.signIn({ ...asked, client_id: 'nope' }, merchantKey)).status);
    answered('oauthDecide', (await merchant.decide({ ...asked, decision: 'approve' })).status);
    answered('oauthSignIn', (await merchant.signIn(asked, merchantKey)).status);
    const approved = await merchant.decide({ ...asked, decision: 'approve', csrf_token: csrfTokenOf((await merchant.authorize(asked)).text) });
    answered('oauthDecide', approved.status);
    answered('oauthDecide', (await api.call('POST', '/admin/oauth/authorize', new URLSearchParams({ ...asked, scope: 'read_orders' }).toString(), formType)).statusCode);
    const code = new URL(String(approved.headers.location)).searchParams.get('code')!;
    const exchange = { client_id: app.client_id, client_secret: clientSecret, grant_type: 'authorization_code', code, redirect_uri: asked.redirect_uri };
    const tokens = await api.call('POST', '/admin/oauth/token', new URLSearchParams(exchange).toString(), formType);
    answered('oauthToken', tokens.statusCode, tokens.json());
    const reused = await api.call('POST', '/admin/oauth/token', new URLSearchParams(exchange).toString(), formType);
    answered('oauthToken', reused.statusCode, reused.json());
    const wrong = await api.call('POST', '/admin/oauth/token', new URLSearchParams({ ...exchange, client_secret: 'x' }).toString(), formType);
    answered('oauthToken', wrong.statusCode, wrong.json());
    // With PRODIMG_OAUTH_AUTO_APPROVE=1 the authorize step redirects at once: a server of its own.
    const auto = await startApi('sqlite', { env: { PRODIMG_OAUTH_AUTO_APPROVE: '1' } });
    try {
      const { app: other } = await (await appsOf(auto)).create({ name: 'Unattended', redirectUri: 'https://app.example/cb' });
      answered('oauthAuthorize', (await auto.call('GET', `/admin/oauth/authorize?${new URLSearchParams({ ...asked, client_id: other.client_id })}`, undefined, host)).statusCode);
    } finally {
      await auto.close();
    }
    // Wrong keys past the throttle's limit from one address: 429.
    let throttled = 0;
    for (let i = 0; i <= SIGN_IN_LIMITS.failures; i++) throttled = (await merchant.signIn(asked, 'pia_wrong')).status;
    answered('oauthSignIn', throttled);
    // Every status documented for them was answered here.
    for (const operationId of ['oauthAuthorize', 'oauthDecide', 'oauthSignIn', 'oauthToken']) {
      expect(validator.statuses(operationId).sort(), operationId).toEqual([...new Set(seen.filter(([id]) => id === operationId).map(([, status]) => status))].sort());
    }
  });

  describe.each(API_VERSIONS.map((version) => [version.name, version] as const))('API %s', (name, version) => {
    let validator: ReturnType<typeof documentValidator>;
    beforeAll(async () => {
      const res = await api.call('GET', `/openapi.json?version=${name}`);
      expect(res.statusCode).toBe(200);
      validator = documentValidator(res.json());
    });

    it('rejects a body its schema does not describe (the check below can fail)', () => {
      expect(validator.problems('getProductImage', 200, { image: { id: 1 } })).not.toEqual([]);
      expect(validator.problems('getProductImage', 418, {})).toEqual(['getProductImage does not document status 418']);
    });

    it.each(OPERATIONS.map((op) => [op.id, op] as const))('%s answers only what it documents', async (id, op) => {
      const plan = PLANS[id];
      expect(plan, `no requests for ${id}: add a plan to PLANS`).toBeDefined();
      const send = async ({ ids, query, body }: Call, headers: Record<string, string> = {}) => {
        const path = `/openapi/${name}${op.path.replace(/:(\w+)/g, (_m, key: string) => ids[key] ?? MISSING)}${query ? `?${query}` : ''}`;
        return api.call(op.method, path, body, headers);
      };
      const check = (what: string, res: { statusCode: number; headers: Record<string, unknown>; json(): any }) => {
        const problems = validator.problems(id, res.statusCode, res.json());
        expect(problems, `${what}: ${res.statusCode} ${JSON.stringify(res.json())}`).toEqual([]);
        // Every documented answer carries it.
        expect(res.headers['request-id'], what).toMatch(/^[0-9a-f-]{36}$/);
      };
      const provoked = new Set<ErrorCode>();
      const fails = async (what: string, code: ErrorCode, exact: boolean, call: Call, headers?: Record<string, string>) => {
        const res = await send(call, headers);
        check(what, res);
        expect(res.statusCode, `${what}: ${JSON.stringify(res.json())}`).toBe(ERROR_CATALOGUE[code][version.errors].status);
        if (exact) expect(validator.examples(id, res.statusCode), what).toContainEqual(res.json());
        provoked.add(code);
      };

      const ok = await plan!.success(world, name);
      const res = await send(ok);
      check('success', res);
      expect(res.statusCode, res.body).toBe(200);

      const ids = Object.fromEntries(Object.keys(op.params.properties).map((key) => [key, ok.ids[key]!]));
      const same = { ...ok, ids };
      await fails('bad Host', 'BadRequest', true, same, { host: `store123.myshoplaza.localhost:abc` });
      await fails('wrong token', 'Unauthorized', true, same, { 'access-token': 'wrong' });
      await fails('inactive store', 'StoreInactive', true, same, { 'access-token': tokens.inactive });
      // The shop needs read_shop, which the read-only token lacks; the rest need a product scope, which the shop-only one lacks.
      if (errorsOf(op).includes('Forbidden')) await fails('missing scope', 'Forbidden', true, same, { 'access-token': op.scope === 'read_shop' ? tokens.readOnly : tokens.shopOnly });
      const limited = (await api.shops.createToken('alpha', ['read_product', 'write_product', 'read_shop'], { rateLimited: true })).token;
      await send(same, { 'access-token': limited });
      await fails('rate limited', 'RateLimited', false, same, { 'access-token': limited });
      if (Object.keys(ids).length > 0) {
        // Sent whatever the declaration says: an undeclared "Record not found" must fail here.
        const missing = (['RecordNotFound', 'ProductNotFound', 'ShopNotFound'] as const).find((code) => errorsOf(op).includes(code)) ?? 'RecordNotFound';
        // Ids read as UUIDs refuse a malformed one (422); any other id (the shop's) is just not found.
        const malformed = Object.keys(ids).some((key) => isUuidId(op.params, key)) ? 'Validation' : missing;
        await fails('bad ids', malformed, true, { ...same, ids: Object.fromEntries(Object.keys(ids).map((key) => [key, 'nope'])) });
        await fails('missing ids', missing, true, { ...same, ids: Object.fromEntries(Object.keys(ids).map((key) => [key, MISSING])) });
      }
      if (op.body) {
        await fails('not JSON', 'BadRequest', true, { ...same, body: '{}' }, { 'content-type': 'text/plain' });
        await fails('too large', 'PayloadTooLarge', true, { ...same, body: JSON.stringify({ x: 'a'.repeat(api.config.bodyLimit) }) });
        const empty = emptyBody(op, name);
        const answer = await send({ ...same, body: empty });
        if (answer.statusCode !== 200) await fails('empty body', 'Validation', true, { ...same, body: empty });
      }
      for (const extra of (await plan!.extras?.(world, name)) ?? []) await fails(extra.name, extra.code, extra.exact === true, extra);

      const unprovoked = errorsOf(op).filter((code) => !provoked.has(code) && !NOT_PROVOKED[code]);
      expect(unprovoked, `${id} documents errors no request here provoked`).toEqual([]);
    });
  });
});
