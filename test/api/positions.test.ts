import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gallery, startApi, type TestApi } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

/** Letters stand for images: the gallery ['b','a','c'] means b is at 1, a at 2, c at 3. */
async function letters(api: TestApi, productId: string, names: Map<string, string>): Promise<string[]> {
  const rows = await gallery(api, productId);
  expect(rows.map((row) => row.position)).toEqual(rows.map((_, i) => i + 1));
  return rows.map((row) => names.get(row.id) ?? '?');
}

describe.each(DIALECTS)('positions on %s', (dialect) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(() => api.close());

  async function setup(count: number) {
    const { id, imageIds } = await api.product(count);
    const names = new Map(imageIds.map((imageId, i) => [imageId, String.fromCharCode(97 + i)]));
    const idOf = (letter: string) => imageIds[letter.charCodeAt(0) - 97]!;
    return { id, names, idOf };
  }

  it.each([
    [undefined, ['a', 'b', 'c', 'x']],
    [1, ['x', 'a', 'b', 'c']],
    [2, ['a', 'x', 'b', 'c']],
    [3, ['a', 'b', 'x', 'c']],
    [4, ['a', 'b', 'c', 'x']],
    [99, ['a', 'b', 'c', 'x']],
    ['2', ['a', 'x', 'b', 'c']],
  ])('create at position %j inserts and shifts: %j', async (position, expected) => {
    const { id, names } = await setup(3);
    const res = await api.call('POST', `products/${id}/images`, { image: { src: 'https://img.example.com/x.jpg', position } });
    names.set(res.json().image.id, 'x');
    expect(res.json().image.position).toBe(expected.indexOf('x') + 1);
    expect(await letters(api, id, names)).toEqual(expected);
  });

  it.each([
    ['a', 1, ['a', 'b', 'c', 'd']],
    ['a', 3, ['b', 'c', 'a', 'd']],
    ['a', 4, ['b', 'c', 'd', 'a']],
    ['d', 1, ['d', 'a', 'b', 'c']],
    ['c', 2, ['a', 'c', 'b', 'd']],
    ['b', 3, ['a', 'c', 'b', 'd']],
    ['b', 50, ['a', 'c', 'd', 'b']],
    ['c', '1', ['c', 'a', 'b', 'd']],
  ])('moving %s to %j gives %j', async (letter, position, expected) => {
    const { id, names, idOf } = await setup(4);
    const res = await api.call('PUT', `products/${id}/images/${idOf(letter)}`, { image: { position } });
    expect(res.statusCode).toBe(200);
    expect(res.json().image.position).toBe(expected.indexOf(letter) + 1);
    expect(await letters(api, id, names)).toEqual(expected);
  });

  it.each([
    ['a', ['b', 'c', 'd']],
    ['b', ['a', 'c', 'd']],
    ['d', ['a', 'b', 'c']],
  ])('deleting %s closes the gap: %j', async (letter, expected) => {
    const { id, names, idOf } = await setup(4);
    await api.call('DELETE', `products/${id}/images/${idOf(letter)}`);
    expect(await letters(api, id, names)).toEqual(expected);
  });

  it('keeps 1..n through a long mixed sequence', async () => {
    const { id, names, idOf } = await setup(5);
    await api.call('PUT', `products/${id}/images/${idOf('e')}`, { image: { position: 1 } });
    await api.call('DELETE', `products/${id}/images/${idOf('c')}`);
    const created = await api.call('POST', `products/${id}/images`, { image: { src: 'https://img.example.com/f.jpg', position: 2 } });
    names.set(created.json().image.id, 'f');
    await api.call('PUT', `products/${id}/images/${idOf('a')}`, { image: { position: 5 } });
    expect(await letters(api, id, names)).toEqual(['e', 'f', 'b', 'd', 'a']);
  });

  it('keeps positions exactly 1..n under 50 concurrent creates, moves and deletes on one product', async () => {
    const { id, imageIds } = await api.product(20);
    const ops: Promise<{ statusCode: number; body: string }>[] = [];
    for (let i = 0; i < 50; i++) {
      const target = imageIds[i % imageIds.length]!;
      if (i % 3 === 0) {
        ops.push(api.call('POST', `products/${id}/images`, { image: { src: `https://img.example.com/c${i}.jpg`, position: (i % 7) + 1 } }));
      } else if (i % 3 === 1) {
        ops.push(api.call('PUT', `products/${id}/images/${target}`, { image: { position: ((i * 5) % 23) + 1 } }));
      } else {
        ops.push(api.call('DELETE', `products/${id}/images/${imageIds[(i * 7) % imageIds.length]}`));
      }
    }
    const results = await Promise.all(ops);
    // Deletes and moves may race with a delete of the same image: that is a clean 404/422, never a 500.
    for (const res of results) expect([200, 404, 422]).toContain(res.statusCode);
    expect(results.filter((res) => res.statusCode === 200).length).toBeGreaterThan(30);
    const rows = await gallery(api, id);
    expect(rows.map((row) => row.position)).toEqual(rows.map((_, i) => i + 1));
    expect(new Set(rows.map((row) => row.id)).size).toBe(rows.length);
    const count = (await api.call('GET', `products/${id}/images/count`)).json().count;
    expect(count).toBe(rows.length);
    const created = results.filter((_, i) => i % 3 === 0).length;
    const deleted = results.filter((res, i) => i % 3 === 2 && res.statusCode === 200).length;
    expect(rows.length).toBe(20 + created - deleted);
  });
});
