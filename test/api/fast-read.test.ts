import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorAnswer, type WireErrorCode } from '../../src/contract/error-catalogue.js';
import { API_VERSIONS } from '../../src/contract/versions.js';
import { startApi, type TestApi, untilCaching, V } from '../support/api.js';
import { withClockAhead } from '../support/clock-ahead.js';
import { DIALECTS } from '../support/databases.js';

interface RawAnswer {
  status: number;
  /** Header names in the order they were sent, as spelled on the wire. */
  names: string[];
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** One request with node:http, so the answer is seen as sent: raw header names, exact bytes. */
function raw(base: string, method: string, path: string, headers: Record<string, string>): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path.startsWith('/') ? path : `${V}/${path}`}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          names: res.rawHeaders.filter((_, i) => i % 2 === 0),
          headers: res.headers,
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const CASES = DIALECTS.flatMap((dialect) => API_VERSIONS.map((version) => [dialect, version.name] as const));

describe.each(CASES)('repeated reads answered before the router on %s, version %s', (dialect, version) => {
  const spoken = API_VERSIONS.find((v) => v.name === version)!;
  /** The data of a success answer, out of the version's envelope. */
  const data = (body: Buffer) => {
    const json = JSON.parse(body.toString());
    return spoken.errors === 'classic' ? json : json.data;
  };
  /** What the version answers for an error. */
  const refusal = (code: WireErrorCode) => errorAnswer(spoken.errors, code);
  let api: TestApi;
  let product: { id: string; imageIds: string[] };
  beforeAll(async () => {
    // On PostgreSQL the read cache goes on once the server has heard of no other for a quiet period.
    api = await startApi(dialect, { feedTiming: { heartbeatMs: 50, quietMs: 150 } });
    await untilCaching(api);
    product = await api.product(3);
  });
  afterAll(() => api.close());

  const answered = () => api.app.fastRead!.answered;
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    raw(api.base, method, `/openapi/${version}/${path}`, { 'access-token': api.token, ...headers });
  /** Reads `path` until the read is answered from the cache (a poll may just have emptied it); returns the count then. */
  const untilAnswered = async (path: string) => {
    for (let i = 0; i < 50; i++) {
      const before = answered();
      await get(path);
      if (answered() > before) return answered();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`${path} was never answered from the cache`);
  };
  // A server alone on SQLite notices commits, its own included, at its next poll (every 200 ms) and
  // empties its cache then (PostgreSQL: when its notification arrives); having the feed catch up
  // after a write keeps the counts below exact.
  const pollPassed = () => api.app.changeFeed!.caughtUp();
  /**
   * `path` read again until the read is answered from the cached bytes, returned with the count then.
   * A commit the feed notices between two reads rightly empties the cache (seen once in a loaded CI
   * run, between the first and second read right after start-up): the read is then made again.
   */
  const cachedRead = async (path: string) => {
    for (let i = 0; i < 20; i++) {
      const before = answered();
      const answer = await get(path);
      if (answered() === before + 1) return answer;
      await pollPassed();
    }
    throw new Error(`${path} was never answered from the cached bytes`);
  };
  const paths = () => [`products/${product.id}/images/${product.imageIds[1]}`, `products/${product.id}/images`];

  it('answers a repeated details or list read with the same status, headers and bytes as the full path', async () => {
    await pollPassed();
    for (const path of paths()) {
      const before = answered();
      const first = await get(path);
      expect(answered(), 'the first read goes through Fastify').toBe(before);
      const second = await cachedRead(path);
      expect(second.status).toBe(200);
      expect(second.body.equals(first.body)).toBe(true);
      expect(second.names).toEqual(first.names);
      expect(second.names[0]).toBe('Request-Id');
      for (const name of ['content-type', 'content-length', 'connection', 'keep-alive']) expect(second.headers[name], name).toBe(first.headers[name]);
      expect(second.headers['request-id']).toMatch(UUID);
      expect(second.headers['request-id']).not.toBe(first.headers['request-id']);
    }
  });

  it('answers the new state right after a write, then caches that', async () => {
    const [detailsPath, listPath] = paths() as [string, string];
    await get(detailsPath);
    await get(listPath);
    const put = await api.call('PUT', detailsPath, { image: { alt: 'moved first', position: 1 } });
    expect(put.statusCode).toBe(200);
    await pollPassed();

    const before = answered();
    const detailsBody = (await get(detailsPath)).body;
    const details = data(detailsBody);
    expect(details.image).toMatchObject({ alt: 'moved first', position: 1 });
    const list = data((await get(listPath)).body);
    expect(list.images.map((image: { id: string }) => image.id)).toEqual([product.imageIds[1], product.imageIds[0], product.imageIds[2]]);
    expect(answered(), 'both reads after the write went through Fastify').toBe(before);

    expect((await get(detailsPath)).body.equals(detailsBody)).toBe(true);
    expect(answered()).toBe(before + 1);
  });

  it('gives each Host its own bytes: the src of a library file is made from the Host the client used', async () => {
    // A src on our own CDN is kept as a library file name (ingestion is off here: nothing is fetched).
    const own = `${api.base.replace(/^http:/, '')}/cdn/${'e'.repeat(32)}.png`;
    const created = await api.call('POST', `products/${product.id}/images`, { image: { src: own } });
    expect(created.statusCode).toBe(200);
    const path = `products/${product.id}/images/${created.json().image.id}`;
    await pollPassed();
    const srcOf = (answer: RawAnswer) => data(answer.body).image.src;
    await untilAnswered(path);
    const bytes: Record<string, Buffer> = {};
    for (const host of ['a.example:8001', 'b.example:8002']) {
      // The first read with a Host goes through the router, its repeat is answered here; a poll that
      // empties the cache in between (a busy machine) only means trying again.
      let fromCache = 0;
      for (let attempt = 0; attempt < 20 && fromCache !== 1; attempt++) {
        const before = answered();
        const first = await get(path, { host });
        const second = await get(path, { host });
        expect(srcOf(first)).toBe(`//${host}/cdn/${'e'.repeat(32)}.png`);
        expect(second.body.equals(first.body), host).toBe(true);
        fromCache = answered() - before;
        bytes[host] = first.body;
        if (fromCache === 1) break;
        // Both answered here: these bytes were captured by an earlier attempt; start from an empty cache.
        await pollPassed();
      }
      expect(fromCache, `only the repeat with Host ${host} is answered from its own bytes`).toBe(1);
    }
    const again = await get(path, { host: 'a.example:8001' });
    expect(again.body.equals(bytes['a.example:8001']!)).toBe(true);
  });

  it('leaves every refusal and every other form of the request to the full path', async () => {
    const [detailsPath] = paths() as [string, string];
    await api.shops.create('other');
    const { token: otherToken } = await api.shops.createToken('other', ['read_product']);
    const cached = await get(detailsPath);
    const same = JSON.parse(cached.body.toString());
    const upper = `products/${product.id.toUpperCase()}/images/${product.imageIds[1]!.toUpperCase()}`;
    const cases: Array<[string, () => Promise<RawAnswer>, number, unknown]> = [
      ['no token', () => raw(api.base, 'GET', `/openapi/${version}/${detailsPath}`, {}), refusal('Unauthorized').status, undefined],
      ['wrong token', () => get(detailsPath, { 'access-token': 'nope' }), refusal('Unauthorized').status, undefined],
      ['another store in the Host', () => get(detailsPath, { host: 'beta.myshoplaza.localhost:8080' }), refusal('StoreInactive').status, refusal('StoreInactive').body],
      ["another store's token", () => get(detailsPath, { 'access-token': otherToken }), refusal('RecordNotFound').status, refusal('RecordNotFound').body],
      ['upper-case ids', () => get(upper), 200, same],
      ['a query string', () => get(`${detailsPath}?fields=id`), 200, same],
      ['a trailing slash', () => get(`${detailsPath}/`), refusal('RouteNotFound').status, refusal('RouteNotFound').body],
      ['HEAD', () => get(detailsPath, {}, 'HEAD'), 200, undefined],
    ];
    for (const [name, send, status, body] of cases) {
      // Right before each case, a repeat of the read is answered from the cache: it could be here too.
      const warm = await untilAnswered(detailsPath);

      const answer = await send();
      expect(answered(), `${name}: not answered before the router`).toBe(warm);
      expect(answer.status, name).toBe(status);
      if (body !== undefined) expect(JSON.parse(answer.body.toString()), name).toEqual(body);
      expect(answer.headers['request-id'], name).toMatch(UUID);
      if (name === 'HEAD') {
        expect(answer.body.length).toBe(0);
        expect(answer.headers['content-length']).toBe(cached.headers['content-length']);
      }
    }
  });

  it('stops answering for a store deactivated elsewhere once the auth cache time has passed', async () => {
    await api.shops.create('fading');
    const { token } = await api.shops.createToken('fading', ['read_product', 'write_product']);
    const mine = await api.call('POST', 'products', { product: { title: 'x', images: [{ src: 'https://img.example.com/f.jpg' }] } }, { 'access-token': token });
    const path = `products/${mine.json().product.id}/images/${mine.json().product.images[0].id}`;
    await pollPassed();
    await get(path, { 'access-token': token });
    const before = answered();
    expect((await get(path, { 'access-token': token })).status).toBe(200);
    expect(answered()).toBe(before + 1);

    await api.shops.setActive('fading', false);
    // The test app trusts a checked token for PRODIMG_AUTH_CACHE_MS=200: the clock moves past it.
    const refused = await withClockAhead(api.config.authCacheMs + 1, () => get(path, { 'access-token': token }));
    expect(refused.status).toBe(refusal('StoreInactive').status);
    expect(JSON.parse(refused.body.toString())).toEqual(refusal('StoreInactive').body);
  });
});

describe.each(DIALECTS)('PRODIMG_READ_CACHE=off on %s', (dialect) => {
  let api: TestApi;
  let routed = 0;
  beforeAll(async () => {
    api = await startApi(dialect, {
      env: { PRODIMG_READ_CACHE: 'off' },
      feedTiming: { heartbeatMs: 50, quietMs: 150 },
      beforeListen: (app) => app.addHook('onRequest', async () => void routed++),
    });
  });
  afterAll(() => api.close());

  it('serves every read through the router, in every version, and reads each write back', async () => {
    expect(api.app.fastRead).toBeUndefined();
    const product = await api.product(2);
    for (const { name } of API_VERSIONS) {
      for (const path of [`products/${product.id}/images/${product.imageIds[0]}`, `products/${product.id}/images`]) {
        const before = routed;
        const first = await raw(api.base, 'GET', `/openapi/${name}/${path}`, { 'access-token': api.token });
        const again = await raw(api.base, 'GET', `/openapi/${name}/${path}`, { 'access-token': api.token });
        expect(routed - before, `${name} ${path}: both reads went through the router`).toBe(2);
        expect(first.status).toBe(200);
        expect(again.body.equals(first.body)).toBe(true);
      }
    }
    const detailsPath = `products/${product.id}/images/${product.imageIds[1]}`;
    expect((await api.call('PUT', detailsPath, { image: { alt: 'seen at once' } })).statusCode).toBe(200);
    expect((await api.call('GET', detailsPath)).json().image.alt).toBe('seen at once');
  });
});
