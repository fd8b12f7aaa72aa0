import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { V } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';
import { scale } from '../support/stress.js';
import { apiRequest, BODY_LIMIT, cdnRequest, edgeBodyRequest, type FuzzRequest, MISSING, strayRequest, text } from './fuzz-arbitraries.js';
import { expectContractAnswer, NOT_FOUND, UNAUTHORIZED } from './fuzz-oracle.js';
import { BATCH_TIMEOUT_MS, FuzzWorld, runs } from './fuzz-world.js';

/**
 * Property-based fuzzing of every endpoint through app.inject: thousands of generated requests (ten
 * times more with PRODIMG_STRESS=1), each answer held to the contract (fuzz-oracle.ts), and after each
 * batch the server still answers and the product no batch may touch is unchanged.
 */

const MAX_DEPTH = scale(10_000, 100_000);

describe.each(DIALECTS)('fuzzed requests on %s', (dialect) => {
  let world: FuzzWorld;
  beforeAll(async () => {
    world = await FuzzWorld.start(dialect);
  });
  beforeEach(() => world.resetPool());
  afterAll(async () => {
    console.log(world.summary(`${dialect}, inject`));
    await world.close();
  });

  /** Sends a request and checks the answer; a successful write must read back exactly as it was answered. */
  async function exchange(request: FuzzRequest, readBack: boolean): Promise<void> {
    const answer = await world.send(request);
    const body = expectContractAnswer(request, answer) as Record<string, { id: string; product_id: string }> | undefined;
    if (answer.status !== 200 || body === undefined) return;
    world.learn(request, body);
    await world.refill();
    if (!readBack || request.auth !== 'good' || request.method === 'GET' || request.method === 'DELETE') return;
    const path = body.image ? `products/${body.image.product_id}/images/${body.image.id}` : body.product ? `products/${body.product.id}` : null;
    if (path === null) return;
    const stored = await world.get(path);
    expect(JSON.parse(stored.body), `read back after ${request.method} ${request.url}`).toEqual(body);
  }

  it('reads: GET and HEAD on every endpoint, with odd ids, queries, tokens, hosts and headers', async () => {
    await fc.assert(fc.asyncProperty(apiRequest(world.ctx, { methods: ['GET', 'HEAD'], maxDepth: 100 }), (r) => exchange(r, false)), runs(500));
    await world.expectHealthy();
  }, BATCH_TIMEOUT_MS);

  it('writes: POST, PUT and DELETE of images and products with hostile fields', async () => {
    await fc.assert(fc.asyncProperty(apiRequest(world.ctx, { methods: ['POST', 'PUT', 'DELETE'], maxDepth: MAX_DEPTH }), (r) => exchange(r, true)), runs(700));
    await world.expectPoolConsistent(true);
    await world.expectHealthy();
  }, BATCH_TIMEOUT_MS);

  it('bodies at the edges: 10k-deep JSON, around 1 MiB, cut short, duplicated keys, prototype keys, raw bytes', async () => {
    await fc.assert(fc.asyncProperty(edgeBodyRequest(world.ctx, MAX_DEPTH), (r) => exchange(r, true)), runs(80));
    await world.expectPoolConsistent(true);
    await world.expectHealthy();
  }, BATCH_TIMEOUT_MS);

  it('stray requests: unknown versions and paths, KBs of path, undecodable escapes, odd methods', async () => {
    await fc.assert(fc.asyncProperty(strayRequest(world.ctx), (r) => exchange(r, false)), runs(400));
    await world.expectHealthy();
  }, BATCH_TIMEOUT_MS);

  it('cdn: names, sizes, formats, Range, If-Range, If-None-Match and Accept', async () => {
    await fc.assert(fc.asyncProperty(cdnRequest(world.ctx), (r) => exchange(r, false)), runs(400));
    await world.expectHealthy();
  }, BATCH_TIMEOUT_MS);

  it('concurrent bursts of mixed requests keep every gallery at positions 1..n', async () => {
    const burst = fc.array(apiRequest(world.ctx, { methods: ['POST', 'PUT', 'DELETE', 'GET'], maxDepth: 100 }), { minLength: 2, maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(burst, async (requests) => {
        const answers = await Promise.all(requests.map((r) => world.send(r)));
        requests.forEach((r, i) => {
          const body = expectContractAnswer(r, answers[i]!);
          if (answers[i]!.status === 200) world.learn(r, body);
        });
        await world.expectPoolConsistent(false);
        await world.refill();
      }),
      runs(40),
    );
    await world.expectHealthy();
  }, BATCH_TIMEOUT_MS);
});

/** The bugs this fuzzing found, one test each, all fixed: they stay as regression tests. */
describe.each(DIALECTS)('bugs found by fuzzing, on %s', (dialect) => {
  let world: FuzzWorld;
  beforeAll(async () => {
    world = await FuzzWorld.start(dialect);
    await world.resetPool();
  });
  afterAll(async () => {
    console.log(world.summary(`${dialect}, bug probes`));
    await world.close();
  });
  /** A hand-made request; the Content-Type is JSON when there is a body, and as `headers` say otherwise. */
  const probe = (method: string, url: string, payload: string | undefined, headers: Record<string, string> = {}): FuzzRequest => ({
    method,
    url,
    headers: { 'access-token': world.ctx.tokens.good, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(payload !== undefined ? { payload } : {}),
    route: undefined,
    auth: 'good',
    contentType: 'json',
    longParam: false,
    oversize: false,
  });
  const pooled = () => world.ctx.scratch()[0]!;
  const answered = (answer: { status: number; body: Buffer }) => ({ status: answer.status, body: JSON.parse(answer.body.toString()) });

  // Was: PostgreSQL refuses U+0000 in text ("invalid byte sequence for encoding UTF8: 0x00") and that
  // surfaced as a 500 on every text field; with PRODIMG_INGEST=off also `https://a.example/%00` as src,
  // because the stored `path` is the last segment percent-decoded (fileNameOf, src/domain/ingest.ts).
  it('text fields containing U+0000 are refused or stored, never a 500', async () => {
    const nul = fc.tuple(text(10), text(10)).map(([a, b]) => `${a}\u0000${b}`);
    const write = fc.oneof(
      nul.map((s) => probe('PUT', `${V}/products/${pooled().product}/images/${pooled().images[0]}`, JSON.stringify({ image: { alt: s } }))),
      nul.map((s) => probe('POST', `${V}/products/${pooled().product}/images`, JSON.stringify({ image: { src: `https://a.example/${s}` } }))),
      fc
        .tuple(fc.constantFrom('title', 'handle', 'description', 'vendor', 'tags'), nul)
        .map(([key, s]) => probe('POST', `${V}/products`, JSON.stringify({ product: { title: 't', [key]: s } }))),
      fc.tuple(text(10), text(10)).map(([a, b]) => {
        const src = `https://a.example/${encodeURIComponent(a)}%00${encodeURIComponent(b)}.jpg`;
        return probe('PUT', `${V}/products/${pooled().product}/images/${pooled().images[1]}`, JSON.stringify({ image: { src } }));
      }),
    );
    await fc.assert(
      fc.asyncProperty(write, async (r) => {
        expect([200, 422]).toContain((await world.send(r)).status);
      }),
      runs(30),
    );
  });

  // Was: a lone surrogate ("\ud800", valid JSON) was echoed in the write's answer but stored as U+FFFD
  // (PostgreSQL: one, SQLite: three per surrogate), so the answer was not what a read returned.
  it('text a database cannot keep as sent (lone surrogates) is refused, never altered', async () => {
    const lone = fc.tuple(text(10), fc.integer({ min: 0xd800, max: 0xdfff }), text(10)).map(([a, c, b]) => `${a}${String.fromCharCode(c)}${b}`);
    await fc.assert(
      fc.asyncProperty(lone, async (alt) => {
        const { product, images } = pooled();
        const answer = await world.send(probe('PUT', `${V}/products/${product}/images/${images[0]}`, JSON.stringify({ image: { alt } })));
        if (answer.status === 200) {
          expect(JSON.parse((await world.get(`products/${product}/images/${images[0]}`)).body)).toEqual(JSON.parse(answer.body.toString()));
        } else {
          expect(answered(answer)).toEqual({ status: 422, body: { errors: ['Alt contains an invalid character'] } });
        }
      }),
      runs(30),
    );
  });

  // Was: PUT or DELETE of a missing image committed the product lock (src/storage/product-lock.ts), so a
  // 422 or 404 still moved the product's updated_at.
  it('a refused image update or delete leaves the product as it was', async () => {
    const { id } = await world.api.product(2);
    const before = (await world.get(`products/${id}`)).body;
    await new Promise((resolve) => setTimeout(resolve, 1020 - (Date.now() % 1000)));
    expect((await world.send(probe('PUT', `${V}/products/${id}/images/${MISSING}`, '{"image":{"alt":"x"}}'))).status).toBe(422);
    expect((await world.send(probe('DELETE', `${V}/products/${id}/images/${MISSING}`, undefined))).status).toBe(404);
    expect((await world.get(`products/${id}`)).body).toBe(before);
  });

  // Was: a DELETE carrying a Content-Type but no body (many HTTP clients send `Content-Type:
  // application/json` on every request) got 400 "body is empty", or "Content-Type must be application/json".
  it('DELETE with a Content-Type header and no body deletes', async () => {
    const type = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/xml');
    await fc.assert(
      fc.asyncProperty(type, async (t) => {
        const { id, imageIds } = await world.api.product(1);
        const image = await world.send(probe('DELETE', `${V}/products/${id}/images/${imageIds[0]}`, undefined, { 'content-type': t }));
        const product = await world.send(probe('DELETE', `${V}/products/${id}`, undefined, { 'content-type': t }));
        expect([image.status, product.status]).toEqual([200, 200]);
      }),
      runs(10),
    );
  });

  // Was: a path id over Fastify's default maxParamLength (100) got 400 "the URL is not valid" from the
  // router, before the token and the id check. Contract: route -> token (401) -> path ids (422).
  it('a long path id (101 to 3000 characters) is checked in the contract order', async () => {
    const long = fc.integer({ min: 101, max: 3000 }).map((n) => 'a'.repeat(n));
    await fc.assert(
      fc.asyncProperty(long, fc.boolean(), async (id, withToken) => {
        const answer = await world.send(probe('GET', `${V}/products/${id}/images`, undefined, withToken ? {} : { 'access-token': '' }));
        const expected = withToken ? { status: 422, body: { errors: ['ProductId must be a valid UUID'] } } : { status: 401, body: UNAUTHORIZED };
        expect(answered(answer)).toEqual(expected);
      }),
      runs(30),
    );
  });

  // Was: an image id listed n times in PUT /products/{id} `images` got n-1 copies of the same message.
  it('an image listed several times in a gallery is reported once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 3, max: 6 }), async (times) => {
        const { product, images } = pooled();
        const body = JSON.stringify({ product: { images: Array.from({ length: times }, () => ({ id: images[0] })) } });
        const answer = await world.send(probe('PUT', `${V}/products/${product}`, body));
        expect(answered(answer)).toEqual({ status: 422, body: { errors: [`Image ${images[0]} is listed more than once`] } });
      }),
      runs(5),
    );
  });

  // Was a bug: on a route that does not exist (or a method a path does not have) a JSON body was read
  // and parsed before the 404: POST /nope with `{` answered 400 "body is not valid JSON", an empty body
  // 400 "body is empty", 1 MiB + 1 bytes 413; QUERY without Content-Type 400 (Fastify's words).
  // Contract: "any unknown path answers 404"; "unknown method on a known path answers the same 404".
  it('unknown routes answer 404 whatever the body', async () => {
    const request = fc.record({
      method: fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'QUERY'),
      path: fc.constantFrom('/nope', '/openapi/2019-01/products', `${V}/nothing-here`, `${V}/products/count/images/x/y`, '/cdn/x.jpg'),
      payload: fc.constantFrom(undefined, '{', '{"image":{}}', 'x'.repeat(BODY_LIMIT + 1)),
      type: fc.constantFrom('application/json', 'text/plain', undefined),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, payload, type }) => {
        const answer = await world.send(probe(method, path, payload, type ? { 'content-type': type } : {}));
        expect(answered(answer)).toEqual({ status: 404, body: NOT_FOUND });
      }),
      runs(30),
    );
  });
});
