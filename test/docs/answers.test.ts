import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorAnswer } from '../../src/contract/error-catalogue.js';
import { OPERATIONS } from '../../src/contract/operations/index.js';
import { controlRefusal } from '../../src/stand-in/control-guard.js';
import { RequestJournal } from '../../src/stand-in/request-journal.js';
import { AdminAuth } from '../../src/domain/admin-auth.js';
import { systemClock } from '../../src/domain/clock.js';
import { type ImageIngestor, passthroughIngestor } from '../../src/domain/ingest.js';
import { SIGN_IN_LIMITS } from '../../src/server/sign-in-throttle.js';
import { KyselyAdminKeyRepository } from '../../src/storage/admin-key-repository.js';
import { startApi, type TestApi, type TestResponse } from '../support/api.js';
import { appsOf } from '../support/apps.js';
import { consentBrowser, csrfTokenOf } from '../support/consent.js';
import { answerPattern, DOC_FILES } from '../support/doc-examples.js';
import { rawRequest } from '../support/raw-request.js';

/**
 * Every JSON example the docs give (inline, outside the fenced blocks: the README's walkthrough block
 * is run by readme-walkthrough.test.ts), every path, and every row of the README's endpoint table,
 * checked against a real server (real HTTP, SQLite). An example with `...`, `n` or `<Code>` in it is a
 * pattern: those parts match anything, the rest must be exact.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCS = DOC_FILES;
const text = (doc: string) => readFileSync(join(ROOT, doc), 'utf8');
const VERSIONS = ['2020-07', '2022-01', '2025-06', '2026-01'];
const ENVELOPED = new Set(['2025-06', '2026-01']);

/**
 * Inline code spans that start with `{` (or a status and `{`: `200 {"status":"ok"}`), in every doc,
 * whitespace of wrapped lines made one space; with the statuses given in the span.
 */
function jsonSpans(): Map<string, number[]> {
  const found = new Map<string, number[]>();
  for (const doc of DOCS) {
    const prose = text(doc).replace(/^```[\s\S]*?^```/gm, '');
    for (const m of prose.matchAll(/`([^`]+)`/g)) {
      const [, status, span] = /^(?:(\d{3}) )?(\{.*)$/s.exec(m[1]!.replace(/\s*\n\s*/g, ' ')) ?? [];
      if (span) found.set(span, [...(found.get(span) ?? []), ...(status ? [Number(status)] : [])]);
    }
  }
  return found;
}


/** Sources that make the ingestor fail as the disk, the database or a bug would (`https://fault.example/<kind>.jpg`). */
const FAULTS: Record<string, () => Error> = {
  internal: () => new Error('disk on fire at /secret/path'),
  enospc: () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }),
  erofs: () => Object.assign(new Error("EROFS: read-only file system, mkdir '/data/images/ab'"), { code: 'EROFS' }),
  database: () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
};
const ingestor: ImageIngestor = {
  async ingest(src, sent, signal) {
    const fault = /^https:\/\/fault\.example\/(\w+)\.jpg$/.exec(src)?.[1];
    if (fault) throw FAULTS[fault]!();
    return passthroughIngestor.ingest(src, sent, signal);
  },
};

interface Fixture {
  productId: string;
  imageIds: string[];
  variantIds: string[];
  webhookId: string;
}

describe('the JSON examples, paths and endpoint table of the docs, answered by a real server', () => {
  let api: TestApi;
  let readOnly: string;
  let inactive: string;
  let base: Fixture;
  let lastHook: string | undefined;
  let shopId = '';
  /** A product with two images, options Size S/M and two variants (S, M), the first variant showing the first image. */
  const fixture = async (version = '2022-01'): Promise<Fixture> => {
    const res = await api.call('POST', `/openapi/${version}/products`, {
      product: {
        title: 'Linen Shirt',
        images: [{ src: 'https://img.example.com/front.jpg' }, { src: 'https://img.example.com/back.jpg' }],
        options: [{ name: 'Size', values: ['S', 'M'] }],
        variants: [{ option1: 'S', price: '10' }, { option1: 'M', price: '12' }],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const product = ENVELOPED.has(version) ? res.json().data.product : res.json().product;
    // A store holds at most 100 subscriptions: the last fixture's goes (unless it is the base's, which the examples read).
    if (lastHook !== undefined && lastHook !== base?.webhookId) await api.call('DELETE', `webhooks/${lastHook}`);
    const hook = await api.call('POST', 'webhooks', { topic: 'products/update', address: `https://hooks.example.com/${randomUUID()}` });
    expect(hook.statusCode, hook.body).toBe(200);
    lastHook = hook.json().webhook.id;
    const f = {
      productId: product.id,
      imageIds: product.images.map((i: { id: string }) => i.id),
      variantIds: product.variants.map((v: { id: string }) => v.id),
      webhookId: hook.json().webhook.id,
    };
    const linked = await api.call('PUT', `variants/${f.variantIds[0]}`, { variant: { image_id: f.imageIds[0] } });
    expect(linked.statusCode, linked.body).toBe(200);
    return f;
  };

  /** Stores a JPEG as an original of the library, where docs/images.md says the local store keeps it (images/<first two hex digits>/<name>); its md5. */
  const store = async (image: sharp.Sharp): Promise<string> => {
    const jpeg = await image.jpeg().toBuffer();
    const md5 = createHash('md5').update(jpeg).digest('hex');
    mkdirSync(join(api.config.dataDir, 'images', md5.slice(0, 2)), { recursive: true });
    writeFileSync(join(api.config.dataDir, 'images', md5.slice(0, 2), `${md5}.jpg`), jpeg);
    return md5;
  };

  beforeAll(async () => {
    // One render at a time and one waiting, so that a burst of renders is answered 503 at once.
    api = await startApi('sqlite', { ingestor, env: { PRODIMG_RENDER_CONCURRENCY: '1', PRODIMG_RENDER_QUEUE: '1' } });
    readOnly = (await api.shops.createToken('alpha', ['read_product'])).token;
    shopId = (await api.call('GET', 'shop')).json().shop.id;
    await api.shops.create('beta', { name: 'Beta' });
    inactive = (await api.shops.createToken('beta', ['read_product', 'write_product'])).token;
    await api.shops.setActive('beta', false);
    base = await fixture();
  });
  afterAll(async () => {
    await api?.close();
  });

  /** An app installed through the consent form, then its code traded: the token endpoint's answer. */
  const installedTokens = async (scope = 'read_product') => {
    const { app, clientSecret } = await (await appsOf(api)).create({ name: 'Docs', redirectUri: 'https://app.example/cb' });
    const form = { 'content-type': 'application/x-www-form-urlencoded', host: 'alpha.myshoplaza.localhost' };
    const asked = { client_id: app.client_id, redirect_uri: app.redirect_uri, response_type: 'code', scope, state: 's' };
    const merchant = consentBrowser(api.base, form.host);
    await merchant.signIn(asked, (await new AdminAuth(new KyselyAdminKeyRepository(api.db.database.db), systemClock).createKey('docs')).key);
    const approved = await merchant.decide({ ...asked, decision: 'approve', csrf_token: csrfTokenOf((await merchant.authorize(asked)).text) });
    const code = new URL(String(approved.headers.location)).searchParams.get('code')!;
    const exchange = new URLSearchParams({ client_id: app.client_id, client_secret: clientSecret, code, grant_type: 'authorization_code', redirect_uri: app.redirect_uri });
    const tokens = await api.call('POST', '/admin/oauth/token', exchange.toString(), form);
    expect(tokens.statusCode, tokens.body).toBe(200);
    return tokens.json();
  };

  /** A burst from a new rate-limited token, past its app bucket of 40 (leaking 2 a second): one of the 429s. */
  const overLimit = async (version: string) => {
    const { token } = await api.shops.createToken('alpha', ['read_product'], { rateLimited: true });
    const answers = await Promise.all(Array.from({ length: 60 }, () => api.call('GET', `/openapi/${version}/products/count`, undefined, { 'access-token': token })));
    return answers.find((res) => res.statusCode === 429) ?? answers[0]!;
  };

  /** Answers (status, then the request that gets it), keyed by the example exactly as the docs write it. */
  const ANSWERS: Record<string, { status: number; request: () => Promise<TestResponse> }> = {
    '{}': {
      status: 200,
      request: async () => {
        const { id, imageIds } = await api.product(1);
        return api.call('DELETE', `products/${id}/images/${imageIds[0]}`);
      },
    },
    '{"images":[...]}': { status: 200, request: () => api.call('GET', `products/${base.productId}/images`) },
    '{"webhooks":[...]}': { status: 200, request: () => api.call('GET', 'webhooks') },
    '{"webhook":{...}}': { status: 200, request: () => api.call('GET', `webhooks/${base.webhookId}`) },
    '{"image":{...}}': { status: 200, request: () => api.call('GET', `products/${base.productId}/images/${base.imageIds[0]}`) },
    '{"count":n}': { status: 200, request: () => api.call('GET', `products/${base.productId}/images/count`) },
    '{"product":{...}}': { status: 200, request: () => api.call('GET', `products/${base.productId}`) },
    '{"variant":{...}}': { status: 200, request: () => api.call('GET', `variants/${base.variantIds[0]}`) },
    '{"variants":[...]}': { status: 200, request: () => api.call('GET', `products/${base.productId}/variants`) },
    '{"cursor":"...","pre_cursor":"...","products":[...]}': { status: 200, request: () => api.call('GET', 'products') },
    '{"cursor": next, "pre_cursor": previous, "products": [...]}': { status: 200, request: () => api.call('GET', 'products?per_page=1') },
    '{"access_scopes":[{"handle":"read_product"},...]}': { status: 200, request: () => api.call('GET', 'oauth/access_scopes') },
    '{"errors":["Too Many Requests: too many wrong admin keys from this address"]}': {
      status: 429,
      // From an address of its own (inject's remoteAddress): the rest of this file signs in from 127.0.0.1.
      request: async () => {
        const wrongKey = () => api.app.inject({ method: 'POST', url: '/__prodimg/admin/api/session', payload: { key: 'pia_wrong' }, remoteAddress: '203.0.113.99' });
        for (let i = 0; i < SIGN_IN_LIMITS.failures; i++) await wrongKey();
        const res = await wrongKey();
        return { statusCode: res.statusCode, headers: res.headers as TestResponse['headers'], body: res.body, json: () => res.json() };
      },
    },
    '{"access_scopes":[{"handle":"read_product"},{"handle":"write_product"}]}': {
      status: 200,
      request: async () => api.call('GET', 'oauth/access_scopes', undefined, { 'access-token': (await api.shops.createToken('alpha', ['read_product', 'write_product'])).token }),
    },
    '{"shop":{...}}': { status: 200, request: () => api.call('GET', 'shop') },
    '{"shop":{"id":...,"name":...,"email":...,"domain":...,"currency":"USD",...,"timezone":"+0000",...}}': { status: 200, request: () => api.call('GET', 'shop') },
    '{"errors":["Too Many Requests: the app\'s bucket for this store is full (40 requests, leaking 2 per second); retry after 1 s"]}': {
      status: 429,
      request: () => overLimit('2022-01'),
    },
    '{"code":"TooManyRequests","message":"..."}': { status: 429, request: () => overLimit('2026-01') },
    '{"error":"invalid_client",...}': {
      status: 401,
      request: () => api.call('POST', '/admin/oauth/token', 'grant_type=authorization_code&client_id=nope&client_secret=x&code=y', { 'content-type': 'application/x-www-form-urlencoded', host: 'alpha.myshoplaza.localhost' }),
    },
    '{"code":"Success","data":{"image":{...}}}': { status: 200, request: () => api.call('GET', `/openapi/2025-06/products/${base.productId}/images/${base.imageIds[0]}`) },
    '{"code":"Success","data":{...}}': { status: 200, request: () => api.call('GET', `/openapi/2026-01/products/${base.productId}`) },
    // The shop's fields straight under `data` from 2025-06; another id than the store's is the platform's shop not-found.
    '{"code":"Success","data":{"id":...,"name":...}}': { status: 200, request: () => api.call('GET', '/openapi/2025-06/shop') },
    '{"errors":["record not found!"]}': { status: 404, request: () => api.call('GET', 'shop/nope') },
    '{"code":"NotFound","message":"record not found!"}': { status: 404, request: () => api.call('GET', `/openapi/2026-01/shop/${randomUUID()}`) },
    '{"code":"Success","data":{}}': { status: 200, request: async () => api.call('DELETE', `/openapi/2025-06/products/${(await api.product(0)).id}`) },
    '{"code":"InvalidParameter","message":"..."}': { status: 400, request: () => api.call('GET', '/openapi/2025-06/products/nope/images') },
    '{"code":"<Code>","message":"<text>"}': { status: 401, request: () => api.call('GET', '/openapi/2026-01/products', undefined, { 'access-token': 'wrong' }) },
    '{"errors":[...]}': { status: 422, request: () => api.call('GET', 'products/nope/images') },
    '{"error":...}': { status: 401, request: () => api.call('GET', 'products', undefined, { 'access-token': inactive }) },
    '{"error":"store is not active"}': { status: 401, request: () => api.call('GET', 'products', undefined, { 'access-token': inactive }) },
    '{"errors":["Forbidden: this action requires the write_product scope"]}': {
      status: 403,
      request: () => api.call('POST', 'products', { product: { title: 'T' } }, { 'access-token': readOnly }),
    },
    '{"errors":["Record not found"]}': { status: 422, request: () => api.call('GET', `products/${randomUUID()}/images`) },
    '{"errors":["Product not found"]}': { status: 404, request: () => api.call('DELETE', `products/${randomUUID()}/images/${randomUUID()}`) },
    '{"errors":["Image not found"]}': { status: 404, request: () => api.call('DELETE', `products/${base.productId}/images/${randomUUID()}`) },
    '{"errors":["Not Found"]}': { status: 404, request: () => api.call('GET', `/cdn/${'0'.repeat(32)}.jpg`) },
    '{"errors":["Bad Request: Content-Type must be application/json"]}': {
      status: 400,
      request: () => api.call('POST', 'products', '{"product":{"title":"T"}}', { 'content-type': 'text/plain' }),
    },
    '{"errors":["Payload Too Large: the body exceeds 1 MiB"]}': {
      status: 413,
      request: () => api.call('POST', 'products', `{"product":{"title":"${'x'.repeat(1024 * 1024)}"}}`),
    },
    '{"errors":["Internal Server Error"]}': {
      status: 500,
      request: () => api.call('POST', `products/${base.productId}/images`, { image: { src: 'https://fault.example/internal.jpg' } }),
    },
    '{"errors":["Insufficient Storage: no space is left on the disk that holds the images; retry once space is freed"]}': {
      status: 507,
      request: () => api.call('POST', `products/${base.productId}/images`, { image: { src: 'https://fault.example/enospc.jpg' } }),
    },
    '{"errors":["Service Unavailable: the disk that holds the images is read-only; retry once it takes writes again"]}': {
      status: 503,
      request: () => api.call('POST', `products/${base.productId}/images`, { image: { src: 'https://fault.example/erofs.jpg' } }),
    },
    '{"errors":["Service Unavailable: the database is not answering, retry shortly"]}': {
      status: 503,
      request: () => api.call('POST', `products/${base.productId}/images`, { image: { src: 'https://fault.example/database.jpg' } }),
    },
    '{"errors":["Not Implemented: CONNECT is not supported (this server is not a proxy)"]}': {
      status: 501,
      request: async () => {
        const res = await rawRequest(api.base, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
        return { statusCode: res.status, headers: {}, body: res.body, json: () => JSON.parse(res.body) };
      },
    },
    '{"errors":["Expectation Failed: the only expectation supported is \\"Expect: 100-continue\\", got \\"200-ok\\""]}': {
      status: 417,
      request: async () => {
        const head = `POST /openapi/2022-01/products HTTP/1.1\r\nHost: 127.0.0.1\r\nAccess-Token: ${api.token}\r\nContent-Type: application/json\r\n`;
        const res = await rawRequest(api.base, `${head}Expect: 200-ok\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
        return { statusCode: res.status, headers: {}, body: res.body, json: () => JSON.parse(res.body) };
      },
    },
    '{"errors":["Service Unavailable: too many image renders are waiting, retry shortly"]}': {
      status: 503,
      // A burst of variants of one stored original, with one render at a time and one waiting.
      request: async () => {
        const md5 = await store(sharp({ create: { width: 1600, height: 1600, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }));
        const answers = await Promise.all(api.config.variantSizes.map((size) => api.call('GET', `/cdn/${md5}_${size}x.jpg`)));
        expect(answers.filter((res) => res.statusCode === 200).length).toBeGreaterThan(0);
        return answers.find((res) => res.statusCode === 503) ?? answers[0]!;
      },
    },
    '{"status":"ok"}': { status: 200, request: () => api.call('GET', '/healthz') },
    '{"status":"ok"|"unavailable","checks":{"database":"ok"|"failing","blobs":...}}': { status: 200, request: () => api.call('GET', '/readyz') },
  };

  /** Request bodies the docs show: each is accepted as it is (placeholders filled in). */
  const REQUESTS: Record<string, () => Promise<TestResponse>> = {
    '{"image":{}}': () => api.call('PUT', `products/${base.productId}/images/${base.imageIds[0]}`, '{"image":{}}'),
    '{"variant":{}}': () => api.call('PUT', `variants/${base.variantIds[0]}`, '{"variant":{}}'),
    '{"image":{"position":k}}': () => api.call('PUT', `products/${base.productId}/images/${base.imageIds[0]}`, '{"image":{"position":k}}'.replace('k', '2')),
    '{"image":{"src":"http://127.0.0.1:<origin>/<file>?n=<unique>"}}': () =>
      api.call('POST', `products/${base.productId}/images`, '{"image":{"src":"http://127.0.0.1:<origin>/<file>?n=<unique>"}}'.replace('<origin>', '8090').replace('<file>', '1mp.jpg').replace('<unique>', '1')),
    '{"topic":"products/update","address":"https://app.example.com/hooks"}': () =>
      api.call('POST', 'webhooks', '{"topic":"products/update","address":"https://app.example.com/hooks"}'),
    '{"webhook":{"topic":"products/update","address":"https://app.example.com/hooks"}}': () =>
      api.call('POST', '/openapi/2025-06/webhooks', '{"webhook":{"topic":"products/update","address":"https://app.example.com/hooks"}}'),
    '{name, values}': () => api.call('PUT', `products/${base.productId}`, { product: { options: [{ name: 'Size', values: ['S', 'M', 'L'] }] } }),
  };

  /** Field lists (`{id, product_id, ...}`): the keys of the object, in order, as answered. */
  const SHAPES: Record<string, () => Promise<unknown>> = {
    '{id, product_id, position, src, path, width, height, alt, created_at, updated_at}': async () =>
      (await api.call('GET', `products/${base.productId}/images/${base.imageIds[0]}`)).json().image,
    '{id, product_id, title, option1, option2, option3, price, compare_at_price, cost_price, sku, barcode, note, position, weight, weight_unit, inventory_quantity, image_id, image, created_at, updated_at}': async () =>
      (await api.call('GET', `variants/${base.variantIds[0]}`)).json().variant,
    '{id, title, brief, handle, description, vendor, vendor_url, tags, published, requires_shipping, taxable, published_at, created_at, updated_at, note, seo_title, seo_description, seo_keywords, inventory_tracking, inventory_policy, spu, fake_sales, display_fake_sales, has_only_default_variant, inventory_quantity, need_variant_image, image, images, options, variants}':
      async () => (await api.call('GET', `products/${base.productId}`)).json().product,
    '{id, product_id, position, name, values}': async () => (await api.call('GET', `products/${base.productId}`)).json().product.options[0],
    '{src, width, height, alt, path}': async () => (await api.call('GET', `products/${base.productId}`)).json().product.image,
    '{id, topic, address, format, created_at, updated_at}': async () => (await api.call('GET', `webhooks/${base.webhookId}`)).json().webhook,
    '{src, width, height, alt}': async () => (await api.call('GET', `variants/${base.variantIds[0]}`)).json().variant.image,
    '{id, name, email, domain, address1, address2, zip, city, phone, primary_locale, created_at, updated_at, country_code, currency, customer_email, timezone, shop_owner, account, province_code, icon, root_url, system_domain}': async () =>
      (await api.call('GET', 'shop')).json().shop,
    '{alt, src, path}': async () => (await api.call('GET', 'shop')).json().shop.icon,
    '{token_type, access_token, refresh_token, expires_at, expires_in, store_id, store_name, scope, created_at, locale}': () => installedTokens(),
  };

  /** Examples that are not wire JSON, or cannot be made here, with the reason and where they are checked instead. */
  const ELSEWHERE: Record<string, { why: string; check: () => void }> = {
    '{ path, input }': {
      why: "TypeScript in docs/architecture.md: what a binding's run gets",
      check: () => expect(readFileSync(join(ROOT, 'src/server/routes/product-images.ts'), 'utf8')).toMatch(/\{ path, input \}/),
    },
    '{"errors":["Forbidden: ..."]}': {
      why: "the stand-in's control endpoints refusing a cross-site request: test/stand-in/control-guard.test.ts checks the 403 over HTTP; here the refusal's words",
      check: () => expect(controlRefusal({ origins: undefined, baseDomain: 'localhost', publicUrl: undefined }, { host: '127.0.0.1:1', origin: 'https://evil.example' })).toMatch(/^Forbidden: /),
    },
    '{"errors":["Service Unavailable: the server is shutting down"]}': {
      why: 'needs a server draining for SIGTERM with a request arriving on a kept-open connection: test/reliability/shutdown.test.ts does that and checks the 503; here the body is the one the catalogue renders for it',
      check: () => expect(errorAnswer('classic', 'ShuttingDown')).toMatchObject({ status: 503, body: { errors: ['Service Unavailable: the server is shutting down'] } }),
    },
  };

  it('every JSON example in the docs is one of the cases below, and every case is in the docs', () => {
    const spans = [...jsonSpans().keys()];
    const known = new Set([...Object.keys(ANSWERS), ...Object.keys(REQUESTS), ...Object.keys(SHAPES), ...Object.keys(ELSEWHERE)]);
    expect(spans.filter((span) => !known.has(span))).toEqual([]);
    expect([...known].filter((key) => !spans.includes(key))).toEqual([]);
  });

  it('a status given with an example (`200 {"status":"ok"}`) is the one the server answers with', () => {
    const differ = [...jsonSpans()].filter(([span, statuses]) => statuses.some((status) => status !== ANSWERS[span]?.status));
    expect(differ).toEqual([]);
  });

  it.each(Object.keys(ANSWERS))('%s is the answer the server gives', async (example) => {
    const { status, request } = ANSWERS[example]!;
    const res = await request();
    expect({ status: res.statusCode, body: res.body }).toMatchObject({ status, body: expect.stringMatching(answerPattern(example)) });
  });

  it.each(Object.keys(REQUESTS))('%s is a request body the server takes', async (example) => {
    const res = await REQUESTS[example]!();
    expect(res.statusCode, res.body).toBe(200);
  });

  it.each(Object.keys(SHAPES))('%s lists the fields the server answers, in order', async (example) => {
    const object = await SHAPES[example]!();
    expect(object).toBeTypeOf('object');
    expect(`{${Object.keys(object as object).join(', ')}}`).toBe(example);
  });

  describe("the README's endpoint table, every row in every version", () => {
    const lines = text('README.md').split('\n');
    const start = lines.findIndex((line) => line.startsWith('| Method and path'));
    const rows = lines
      .slice(start + 2)
      .filter((_, i, all) => all.slice(0, i + 1).every((line) => line.startsWith('|')))
      .map((line) => {
        const [endpoint, scope, answer] = line.split(/ \| /).map((cell) => cell.replace(/^\| /, ''));
        const [, method, path] = /^`(GET|POST|PUT|DELETE) (\S+)`/.exec(endpoint!)!;
        return { method: method!, path: path!, scope: scope!, answer: /^`([^`]+)`/.exec(answer!)![1]! };
      });
    /** The body each writing row sends (ids of the row's fixture filled in). */
    const BODIES: Record<string, (f: Fixture, version: string) => unknown> = {
      // A subscription's fields are flat in 2020-07 and 2022-01, inside `webhook` from 2025-06.
      'POST /webhooks': (_f, version) => wrapHook(version, { topic: 'products/update', address: `https://hooks.example.com/${randomUUID()}` }),
      'PUT /webhooks/{webhook_id}': (_f, version) => wrapHook(version, { address: 'https://hooks.example.com/moved' }),
      'POST /products/{product_id}/images': () => ({ image: { src: 'https://img.example.com/new.jpg' } }),
      'PUT /products/{product_id}/images/{image_id}': () => ({ image: { alt: 'Front' } }),
      'POST /products': () => ({ product: { title: 'New' } }),
      'PUT /products/{product_id}': () => ({ product: { title: 'Renamed' } }),
      'POST /products/{product_id}/variants': () => ({ variant: { option1: 'L', price: '9' } }),
      // "`image_id` links an image of the same product"
      'PUT /variants/{variant_id}': (f) => ({ variant: { image_id: f.imageIds[1] } }),
    };
    const pathOf = (template: string, f: Fixture, method: string) =>
      template
        .replace('{product_id}', f.productId)
        .replace('{image_id}', f.imageIds[method === 'DELETE' ? 1 : 0]!)
        .replace('{variant_id}', f.variantIds[method === 'DELETE' ? 1 : 0]!)
        .replace('{webhook_id}', f.webhookId)
        .replace('{shop_id}', shopId);
    /** What a row's answer is as `data`: itself, or the value under its operation's `envelopeRoot` (the shop's fields). */
    const envelopeData = (row: { method: string; path: string; answer: string }) => {
      const root = OPERATIONS.find((op) => op.method === row.method && op.path.replace(/:(\w+)/g, '{$1}') === row.path)?.envelopeRoot;
      const prefix = `{"${root}":`;
      return root !== undefined && row.answer.startsWith(prefix) ? row.answer.slice(prefix.length, -1) : row.answer;
    };
    const wrapHook = (version: string, fields: object) => (ENVELOPED.has(version) ? { webhook: fields } : fields);

    it('has the rows and bodies this test knows', () => {
      expect(rows.length).toBeGreaterThan(15);
      const writes = rows.filter((row) => row.method === 'POST' || row.method === 'PUT').map((row) => `${row.method} ${row.path}`);
      expect(writes.sort()).toEqual(Object.keys(BODIES).sort());
    });

    it.each(VERSIONS)('in %s each row answers 200 with the answer the table gives (wrapped in 2025-06 and later)', async (version) => {
      const wrong: string[] = [];
      for (const row of rows) {
        const f = row.method === 'DELETE' && row.path === '/products/{product_id}' ? { ...(await fixture(version)) } : await fixture(version);
        const res = await api.call(row.method, `/openapi/${version}${pathOf(row.path, f, row.method)}`, BODIES[`${row.method} ${row.path}`]?.(f, version));
        const pattern = answerPattern(ENVELOPED.has(version) ? `{"code":"Success","data":${envelopeData(row)}}` : row.answer);
        if (res.statusCode !== 200 || !pattern.test(res.body)) wrong.push(`${row.method} ${row.path}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        if (row.method === 'PUT' && row.path === '/variants/{variant_id}') {
          const variant = ENVELOPED.has(version) ? res.json().data.variant : res.json().variant;
          expect(variant).toMatchObject({ image_id: f.imageIds[1], image: { src: 'https://img.example.com/back.jpg' } });
        }
      }
      expect(wrong).toEqual([]);
    });

    it('each row needs the scope it gives: a read_product token may read and is refused a write with 403', async () => {
      const wrong: string[] = [];
      for (const row of rows) {
        const f = await fixture();
        const res = await api.call(row.method, `/openapi/2022-01${pathOf(row.path, f, row.method)}`, BODIES[`${row.method} ${row.path}`]?.(f, '2022-01'), { 'access-token': readOnly });
        // The read-only token holds read_product alone.
        const expected = row.scope === 'write_product' || row.scope === 'read_shop' ? 403 : 200;
        expect(['read_product', 'write_product', 'read_shop', 'any']).toContain(row.scope);
        if (res.statusCode !== expected) wrong.push(`${row.method} ${row.path} (${row.scope}): ${res.statusCode}`);
      }
      expect(wrong).toEqual([]);
    });
  });

  describe('the paths the docs give outside the table', () => {
    /** `/openapi/...`, `/healthz`, `/readyz`, `/metrics` spans (`GET ` before them allowed), and `.../x` ones. */
    const paths = () => {
      const found = new Set<string>();
      for (const doc of DOCS) {
        for (const m of text(doc).matchAll(/`(?:GET )?((?:\/openapi|\.\.\.)\/[^`\s]*|\/healthz|\/readyz|\/metrics)`/g)) {
          // `.../products/{pid}/images` (bench) is below a version; `.../images/count.json` (contract) below a legacy product path.
          found.add(m[1]!.replace(/^\.\.\.(?=\/products\/)/, '/openapi/2022-01').replace(/^\.\.\./, '/openapi/products/{id}'));
        }
      }
      return [...found];
    };
    /** Prefixes the docs name, not endpoints. */
    const PREFIXES = ['/openapi/2022-01', '/openapi/<version>', '/openapi/{version}/products/{product_id}/images/...'];

    it('each is served: 200 to a GET (a DELETE where it has no GET), legacy paths as 2020-07', async () => {
      const all = paths();
      expect(all).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/metrics', '/openapi/variants/{id}.json', '/openapi/products/{id}/images/count.json']));
      const wrong: string[] = [];
      for (const template of all.filter((path) => !PREFIXES.includes(path))) {
        const f = await fixture();
        const path = template
          .replace('{version}', '2022-01')
          .replace(/^\/openapi\/variants\/\{id\}/, `/openapi/variants/${f.variantIds[1]}`)
          .replace(/\{id\}|\{product_id\}|\{pid\}|<id>/, f.productId)
          .replace(/\{image_id\}|\{iid\}|<id>/, f.imageIds[1]!)
          .replace('{variant_id}', f.variantIds[1]!)
          .replace('{shop_id}', shopId);
        let res = await api.call('GET', path);
        if (res.statusCode === 404 && res.body === '{"errors":["Not Found"]}') res = await api.call('DELETE', path);
        if (res.statusCode !== 200) wrong.push(`${template}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        else if (path.endsWith('.json') && res.body.startsWith('{"code":')) wrong.push(`${template}: enveloped, not as 2020-07`);
      }
      expect(wrong).toEqual([]);
    });

    it('/metrics has every metric docs/images.md names, with its queue labels', async () => {
      const section = text('docs/images.md').split('### Metrics')[1]!;
      // An S3 store's own are scraped from one by test/cli/grafana-dashboard.test.ts; this server keeps files on disk.
      const names = [...section.matchAll(/`(prodimg_\w+)/g)].map((m) => m[1]!).filter((name) => !name.startsWith('prodimg_s3_'));
      expect(names.length).toBeGreaterThan(6);
      const res = await api.call('GET', '/metrics');
      expect(res.statusCode).toBe(200);
      expect(names.filter((name) => !new RegExp(`^${name}\\b`, 'm').test(res.body))).toEqual([]);
      for (const queue of /queue="render"\|"download"\|"decode"/.test(section) ? ['render', 'download', 'decode'] : []) {
        expect(res.body).toContain(`prodimg_queue_running{queue="${queue}"}`);
      }
    });
  });

  describe('the /cdn examples, served from an original of 1000x800', () => {
    let md5: string;
    beforeAll(async () => {
      md5 = await store(sharp({ create: { width: 1000, height: 800, channels: 3, background: '#7a4' } }));
    });
    const served = async (path: string, headers: Record<string, string> = {}) => {
      const res = await api.app.inject({ method: 'GET', url: path, headers });
      const meta = res.statusCode === 200 ? await sharp(res.rawPayload).metadata() : undefined;
      return { status: res.statusCode, type: res.headers['content-type'], vary: res.headers.vary, width: meta?.width, height: meta?.height, format: meta?.format };
    };

    it('every resized URL the docs give (`/cdn/<md5>_400x.jpg?format=webp`, `_x320`, `?width=400`, ...)', async () => {
      const docs = DOCS.map(text).join('\n');
      const examples = {
        '/cdn/<md5>_400x.jpg?format=webp': { width: 400, height: 320, format: 'webp' },
        '_400x': { width: 400, height: 320, format: 'jpeg' },
        '_x320': { width: 400, height: 320, format: 'jpeg' },
        '?width=400': { width: 400, height: 320, format: 'jpeg' },
        // `/cdn/<md5>_<w>x<h>.<ext>`: both sides fit inside the box
        '/cdn/<md5>_<w>x<h>.<ext>': { width: 400, height: 320, format: 'jpeg' },
        // `?width=&height=&crop=center&format=webp|avif|jpeg|png|auto`: fills the box exactly with crop=center
        '?width=&height=&crop=center&format=webp|avif|jpeg|png|auto': { width: 400, height: 400, format: 'png' },
      };
      const url: Record<keyof typeof examples, string> = {
        '/cdn/<md5>_400x.jpg?format=webp': `/cdn/${md5}_400x.jpg?format=webp`,
        '_400x': `/cdn/${md5}_400x.jpg`,
        '_x320': `/cdn/${md5}_x320.jpg`,
        '?width=400': `/cdn/${md5}.jpg?width=400`,
        '/cdn/<md5>_<w>x<h>.<ext>': `/cdn/${md5}_400x400.jpg`,
        '?width=&height=&crop=center&format=webp|avif|jpeg|png|auto': `/cdn/${md5}.jpg?width=400&height=400&crop=center&format=png`,
      };
      for (const [example, expected] of Object.entries(examples)) {
        expect(docs, example).toContain(`\`${example}\``);
        expect({ example, ...(await served(url[example as keyof typeof examples])) }).toMatchObject({ example, status: 200, ...expected });
      }
      // The README's and bench's concrete forms of the first one.
      expect(text('README.md')).toContain('/cdn/5d41402abc4b2a76b9719d911017c592_400x.jpg?format=webp');
      expect(text('bench/README.md')).toContain('`GET /cdn/<hash>_400x.jpg?format=webp`');
    });

    it('`format=auto` picks AVIF, then WebP, from the Accept header (and adds `Vary: Accept`), else the original\'s format', async () => {
      expect(text('docs/images.md')).toMatch(/`format=auto` picks AVIF, then WebP, from the `Accept` header \(and adds\s+`Vary: Accept`\), else the original's format/);
      const auto = `/cdn/${md5}_100x.jpg?format=auto`;
      expect(await served(auto, { accept: 'image/avif,image/webp' })).toMatchObject({ status: 200, format: 'heif', vary: 'Accept' });
      expect(await served(auto, { accept: 'image/webp' })).toMatchObject({ status: 200, format: 'webp', vary: 'Accept' });
      expect(await served(auto, { accept: '*/*' })).toMatchObject({ status: 200, format: 'jpeg', vary: 'Accept' });
    });

    it('`GET|HEAD /cdn/<md5>.<ext>`: type, strong ETag, immutable caching, ranges, 304, 206, 416, as docs/images.md says', async () => {
      const docs = text('docs/images.md').replace(/\s*\n\s*/g, ' ');
      for (const claim of ['`Cache-Control: public, max-age=31536000, immutable`', '`Accept-Ranges: bytes`', '304 for a matching `If-None-Match`', '206 for a single `Range` (416 when unsatisfiable']) {
        expect(docs).toContain(claim);
      }
      const url = `/cdn/${md5}.jpg`;
      const get = await api.app.inject({ method: 'GET', url });
      expect(get.statusCode).toBe(200);
      expect(get.headers).toMatchObject({ 'content-type': 'image/jpeg', etag: `"${md5}.jpg"`, 'cache-control': 'public, max-age=31536000, immutable', 'accept-ranges': 'bytes' });
      const head = await api.app.inject({ method: 'HEAD', url });
      expect(head.statusCode).toBe(200);
      expect(head.headers['content-length']).toBe(get.headers['content-length']);
      expect((await api.app.inject({ method: 'GET', url, headers: { 'if-none-match': `"${md5}.jpg"` } })).statusCode).toBe(304);
      const part = await api.app.inject({ method: 'GET', url, headers: { range: 'bytes=0-9' } });
      expect([part.statusCode, part.rawPayload.length]).toEqual([206, 10]);
      expect((await api.app.inject({ method: 'GET', url, headers: { range: 'bytes=99999999-' } })).statusCode).toBe(416);
    });
  });

  it('`/readyz` is `503` with that body, `"unavailable"` and `"failing"`, when the database does not answer', async () => {
    expect(text('README.md')).toMatch(/\(`200` or `503` `\{"status":"ok"\|"unavailable","checks":\{"database":"ok"\|"failing","blobs":\.\.\.\}\}`\)/);
    const lonely = await startApi('sqlite');
    try {
      await lonely.db.database.close();
      const res = await lonely.call('GET', '/readyz');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: 'unavailable', checks: { database: 'failing' } });
      expect(res.body).toMatch(answerPattern('{"status":"ok"|"unavailable","checks":{"database":"ok"|"failing","blobs":...}}'));
    } finally {
      await lonely.app.close();
      await lonely.db.drop().catch(() => {});
    }
  });

  describe('JSON fragments in the prose (`"alt": null`, `"12.50"`)', () => {
    /** Each fragment, with a real request that shows what the doc says of it. */
    const FRAGMENTS: Record<string, () => Promise<void>> = {
      // "`format` always `"json"`"
      '"json"': async () => expect((await api.call('GET', `webhooks/${base.webhookId}`)).json().webhook.format).toBe('json'),
      // The token endpoint's answer: "`token_type` `"Bearer"`", "`scope` ... (`"read_product,write_product"`)", "`locale` `"en-US"`".
      '"Bearer"': async () => expect((await installedTokens()).token_type).toBe('Bearer'),
      '"en-US"': async () => expect((await installedTokens()).locale).toBe('en-US'),
      '"read_product,write_product"': async () => {
        expect((await installedTokens('read_product write_product')).scope).toBe('read_product,write_product');
      },
      '"variant_ids":[...]': async () => {
        const f = await fixture();
        const res = await api.call('POST', `products/${f.productId}/images`, { image: { src: 'https://img.example.com/v.jpg', variant_ids: [f.variantIds[1]] } });
        expect(res.statusCode, res.body).toBe(200);
        expect((await api.call('GET', `variants/${f.variantIds[1]}`)).json().variant.image_id).toBe(res.json().image.id);
      },
      '"variant_ids": ["<variant id>", ...]': async () => {
        const f = await fixture();
        const res = await api.call('PUT', `products/${f.productId}/images/${f.imageIds[1]}`, { image: { variant_ids: f.variantIds } });
        expect(res.statusCode, res.body).toBe(200);
        const variants = (await api.call('GET', `products/${f.productId}/variants`)).json().variants;
        expect(variants.map((v: { image_id: string }) => v.image_id)).toEqual([f.imageIds[1], f.imageIds[1]]);
      },
      // "Numbers may be sent as numeric strings (`"300"`); `null` and `""` mean "not sent" (... `"width": ""`)"
      '"300"': async () => {
        const res = await api.call('POST', `products/${base.productId}/images`, { image: { src: 'https://img.example.com/n.jpg', width: '300', height: '200' } });
        expect(res.json().image).toMatchObject({ width: 300, height: 200 });
      },
      '"width": ""': async () => {
        const res = await api.call('POST', `products/${base.productId}/images`, { image: { src: 'https://img.example.com/e.jpg', width: '' } });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json().image.width).toBe(0);
      },
      // "`"alt": null` stores `""`"
      '"alt": null': async () => {
        const res = await api.call('POST', `products/${base.productId}/images`, { image: { src: 'https://img.example.com/a.jpg', alt: null } });
        expect(res.json().image.alt).toBe('');
      },
      // "several messages are joined with `"; "`"
      '"; "': async () => {
        const res = await api.call('GET', '/openapi/2025-06/products/nope/images/42');
        expect(res.json()).toEqual({ code: 'InvalidParameter', message: 'ProductId must be a valid UUID; ImageId must be a valid UUID' });
      },
      // "`price` and `compare_at_price` `"0.00"`", "`weight` `"0"`"
      '"0.00"': async () => {
        const variant = (await api.call('GET', `products/${(await api.product(0)).id}/variants`)).json().variants[0];
        expect(variant).toMatchObject({ price: '0.00', compare_at_price: '0.00', weight: '0' });
      },
      '"0"': async () => FRAGMENTS['"0.00"']!(),
      // "`title` is the option values joined by `" / "` (`Red / S`)"
      '" / "': async () => {
        const res = await api.call('POST', 'products', { product: { title: 'T', options: [{ name: 'Color', values: ['Red'] }, { name: 'Size', values: ['S'] }] } });
        expect(res.json().product.variants[0].title).toBe('Red / S');
      },
      // "answered as a string with 2 decimals (`12.5` → `"12.50"`)"; weight "in its shortest form (`"0.250"` → `"0.25"`)"
      '"12.50"': async () => {
        const res = await api.call('POST', `products/${(await fixture()).productId}/variants`, { variant: { option1: 'XL', price: 12.5, weight: '0.250' } });
        expect(res.json().variant).toMatchObject({ price: '12.50', weight: '0.25' });
      },
      // The stand-in's journal: "reads `"[redacted]"`".
      '"[redacted]"': async () => {
        const journal = new RequestJournal();
        journal.record({ method: 'POST', path: '/admin/oauth/token?code=c', status: 200, body: { client_secret: 's', code: 'c' }, request_id: '1' });
        expect(journal.list().requests[0]).toMatchObject({ path: '/admin/oauth/token?code=[redacted]', body: { client_secret: '[redacted]', code: '[redacted]' } });
      },
      '"0.250"': async () => FRAGMENTS['"12.50"']!(),
      // README: `admin-key list` shows "the store a key is limited to: `"shop": "store123"`", as the CLI prints its JSON.
      '"shop": "store123"': async () => {
        const auth = new AdminAuth(new KyselyAdminKeyRepository(api.db.database.db), systemClock);
        const alpha = (await api.shops.list()).find((shop) => shop.subdomain === 'alpha')!;
        await auth.createKey('limited', alpha);
        expect(JSON.stringify(await auth.listKeys(), null, 2)).toContain('"shop": "alpha"');
      },
      '"0.25"': async () => FRAGMENTS['"12.50"']!(),
    };
    /** Fragments that are not ours to check here, with the reason. */
    const NOT_HERE: Record<string, string> = {
      '""': 'the empty string, said of many fields (image_id, sku, cursor, ...): each case is in the messages and fragments above',
      '"blobs":"failing"': "needs a full disk: test/reliability/disk-full.test.ts fills a tmpfs and checks /readyz's 503 with it",
      '"200"': "one of the success codes the platform's own 2025-06 pages give; we answer `Success` (checked above)",
      '"src":"//127.0.0.1:8080/cdn/5d41402abc4b2a76b9719d911017c592.jpg"': 'needs ingestion on: test/docs/ingestion-examples.test.ts runs it against a real origin',
      '"width":1588,"height":2246': 'needs ingestion on: test/docs/ingestion-examples.test.ts runs it against a real origin',
    };

    it('are all here', () => {
      const found = new Set<string>();
      for (const doc of DOCS) {
        const prose = text(doc).replace(/^```[\s\S]*?^```/gm, '');
        for (const m of prose.matchAll(/`("[^`]*)`/g)) found.add(m[1]!.replace(/\s*\n\s*/g, ' '));
      }
      expect([...found].sort()).toEqual([...Object.keys(FRAGMENTS), ...Object.keys(NOT_HERE)].sort());
    });

    it.each(Object.keys(FRAGMENTS))('%s', async (fragment) => {
      await FRAGMENTS[fragment]!();
    });
  });

  it.each(Object.keys(ELSEWHERE))('%s is checked another way', (example) => {
    expect(ELSEWHERE[example]!.why).not.toBe('');
    ELSEWHERE[example]!.check();
  });
});
