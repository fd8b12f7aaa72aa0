import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/server/build-app.js';
import { openDatabase, type Database } from '../../src/storage/database.js';
import type { FastifyInstance } from 'fastify';
import { startApi, type TestApi, V } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

/**
 * Two servers on one database, as with `serve --workers 2` or several hosts on one PostgreSQL:
 * reads cached by one must follow writes made through the other.
 */
describe.each(DIALECTS)('cached image reads across two servers on %s', (dialect) => {
  let a: TestApi;
  let second: Database;
  let b: FastifyInstance;
  beforeAll(async () => {
    a = await startApi(dialect);
    second = await openDatabase({ dataDir: a.db.dataDir, databaseUrl: a.db.databaseUrl });
    b = await buildApp({ config: a.config, database: second });
    await b.ready();
  });
  afterAll(async () => {
    await b.close();
    await second.close();
    await a.close();
  });

  const viaB = (path: string) => b.inject({ method: 'GET', url: `${V}/${path}`, headers: { 'access-token': a.token } });

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
