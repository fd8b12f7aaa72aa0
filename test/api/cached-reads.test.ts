import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/build-app.js';
import { openDatabase, type Database } from '../../src/storage/database.js';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startApi, type TestApi, untilCaching, V } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';


/**
 * Two servers on one database, as with `serve --workers 2` or several hosts on one PostgreSQL:
 * reads cached by one must follow writes made through the other.
 */
describe.each(DIALECTS)('cached image reads across two servers on %s', (dialect) => {
  let a: TestApi;
  let second: Database;
  let b: FastifyInstance;
  let bBase: string;
  beforeAll(async () => {
    a = await startApi(dialect);
    second = await openDatabase({ dataDir: a.db.dataDir, databaseUrl: a.db.databaseUrl });
    b = await buildApp({ config: a.config, database: second });
    await b.listen({ host: '127.0.0.1', port: 0 });
    bBase = `http://127.0.0.1:${(b.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await b.close();
    await second.close();
    await a.close();
  });

  /** Until B's change feed has caught up with the commits made through A. */
  const settle = () => b.changeFeed!.caughtUp();

  // Over HTTP, twice: the repeat may be answered from cached bytes before B's router (hot-answers.ts).
  const viaB = async (path: string) => {
    const once = async () => {
      const response = await request(`${bBase}${V}/${path}`, { headers: { 'access-token': a.token } });
      const text = await response.body.text();
      return { statusCode: response.statusCode, text, json: () => JSON.parse(text) };
    };
    const [first, second] = [await once(), await once()];
    expect(second.text).toBe(first.text);
    return second;
  };

  it('sees moves, edits, creates and deletes made through the other server', async () => {
    const { id, imageIds } = await a.product(3);
    // Warm B's cache.
    expect((await viaB(`products/${id}/images/${imageIds[0]}`)).json().image.alt).toBe('');
    expect((await viaB(`products/${id}/images`)).json().images).toHaveLength(3);

    await a.call('PUT', `products/${id}/images/${imageIds[0]}`, { image: { alt: 'changed', position: 3 } });
    await settle();
    expect((await viaB(`products/${id}/images/${imageIds[0]}`)).json().image).toMatchObject({ alt: 'changed', position: 3 });
    expect((await viaB(`products/${id}/images`)).json().images.map((i: { id: string }) => i.id)).toEqual([imageIds[1], imageIds[2], imageIds[0]]);

    await a.call('DELETE', `products/${id}/images/${imageIds[1]}`);
    await a.call('POST', `products/${id}/images`, { image: { src: 'https://img.example.com/new.jpg', position: 1 } });
    await settle();
    const list = (await viaB(`products/${id}/images`)).json().images;
    expect(list.map((i: { src: string }) => i.src)).toEqual(['https://img.example.com/new.jpg', 'https://img.example.com/a2.jpg', 'https://img.example.com/a0.jpg']);
    expect((await viaB(`products/${id}/images/count`)).json()).toEqual({ count: 3 });
    expect((await viaB(`products/${id}/images/${imageIds[1]}`)).statusCode).toBe(422);

    await a.call('DELETE', `products/${id}`);
    await settle();
    expect((await viaB(`products/${id}/images`)).json()).toEqual({ errors: ['Record not found'] });
  });

  it('answers its own writes at once', async () => {
    const { id, imageIds } = await a.product(2);
    expect((await a.call('GET', `products/${id}/images/${imageIds[1]}`)).json().image.position).toBe(2);
    await a.call('PUT', `products/${id}/images/${imageIds[1]}`, { image: { position: 1 } });
    expect((await a.call('GET', `products/${id}/images/${imageIds[1]}`)).json().image.position).toBe(1);
    expect((await a.call('GET', `products/${id}/images/${imageIds[0]}`)).json().image.position).toBe(2);
  });
});

/**
 * A server that caches alone (SQLite: it knows no other server; PostgreSQL: it has heard of none)
 * and a second one started next to it: the newcomer's very first write must be seen by the first
 * server's next read, even though that read used to be answered from the cache without a check.
 */
describe.each(DIALECTS)('a server started next to one that caches alone on %s', (dialect) => {
  it('has its first write seen by the next read through the first server', async () => {
    const feedTiming = { heartbeatMs: 50, quietMs: 150 };
    const a = await startApi(dialect, { feedTiming });
    const { id, imageIds } = await a.product(2);
    const path = `products/${id}/images/${imageIds[1]}`;
    // Until a repeated read is answered from the cache, A is not yet caching alone.
    await untilCaching(a, path);
    const warm = a.app.fastRead!.answered;
    expect((await a.call('GET', path)).json().image.alt).toBe('');
    expect(a.app.fastRead!.answered, 'A answers from its cache').toBe(warm + 1);

    const second = await openDatabase({ dataDir: a.db.dataDir, databaseUrl: a.db.databaseUrl });
    const b = await buildApp({ config: a.config, database: second, feedTiming });
    try {
      const put = await b.inject({
        method: 'PUT',
        url: `${V}/${path}`,
        headers: { 'access-token': a.token, 'content-type': 'application/json' },
        payload: JSON.stringify({ image: { alt: 'written through B' } }),
      });
      expect(put.statusCode).toBe(200);
      expect((await a.call('GET', path)).json().image.alt).toBe('written through B');
    } finally {
      await b.close();
      await second.close();
      await a.close();
    }
  });
});
