import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi, V } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const IMAGE_FIELDS = ['id', 'product_id', 'position', 'src', 'path', 'width', 'height', 'alt', 'created_at', 'updated_at'];

describe.each(DIALECTS)('product image endpoints on %s', (dialect) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(() => api.close());

  it('creates an image with exactly the contract fields, in order, answering 200', async () => {
    const { id } = await api.product();
    const res = await api.call('POST', `products/${id}/images`, {
      image: { src: 'http://cdn.shoplazza.com/1.jpg', alt: 'Front view', width: 1588, height: 2246 },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const { image } = res.json();
    expect(Object.keys(res.json())).toEqual(['image']);
    expect(Object.keys(image)).toEqual(IMAGE_FIELDS);
    expect(image).toMatchObject({ product_id: id, position: 1, src: 'http://cdn.shoplazza.com/1.jpg', path: '1.jpg', width: 1588, height: 2246, alt: 'Front view' });
    expect(image.id).toMatch(UUID_V4);
    expect(image.created_at).toMatch(TIMESTAMP);
    expect(image.updated_at).toBe(image.created_at);
  });

  it('accepts width, height and position sent as numeric strings', async () => {
    const { id } = await api.product(2);
    const res = await api.call('POST', `products/${id}/images`, { image: { src: '//cdn.example.com/x.png', width: '300', height: '200', position: '1' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().image).toMatchObject({ width: 300, height: 200, position: 1, alt: '', path: 'x.png' });
  });

  it('stores 0 for width and height when they are not sent', async () => {
    const { id } = await api.product();
    const res = await api.call('POST', `products/${id}/images`, { image: { src: 'https://img.example.com/nosize.webp' } });
    expect(res.json().image).toMatchObject({ width: 0, height: 0, alt: '' });
  });

  it('lists images ordered by position, counts them, and gets one', async () => {
    const { id, imageIds } = await api.product(3);
    const list = await api.call('GET', `products/${id}/images`);
    expect(list.statusCode).toBe(200);
    expect(list.json().images.map((i: { id: string }) => i.id)).toEqual(imageIds);
    expect(list.json().images.map((i: { position: number }) => i.position)).toEqual([1, 2, 3]);

    const count = await api.call('GET', `products/${id}/images/count`);
    expect(count.statusCode).toBe(200);
    expect(count.json()).toEqual({ count: 3 });

    const one = await api.call('GET', `products/${id}/images/${imageIds[1]}`);
    expect(one.statusCode).toBe(200);
    expect(one.json().image).toEqual(list.json().images[1]);
  });

  it('answers an empty list and a zero count for a product without images', async () => {
    const { id } = await api.product();
    expect((await api.call('GET', `products/${id}/images`)).json()).toEqual({ images: [] });
    expect((await api.call('GET', `products/${id}/images/count`)).json()).toEqual({ count: 0 });
  });

  it('updates alt, src and position, and refreshes updated_at only', async () => {
    const { id, imageIds } = await api.product(2);
    const before = (await api.call('GET', `products/${id}/images/${imageIds[0]}`)).json().image;
    const res = await api.call('PUT', `products/${id}/images/${imageIds[0]}`, {
      image: { alt: 'Back', src: 'https://img.example.com/new.png', position: 2 },
    });
    expect(res.statusCode).toBe(200);
    const { image } = res.json();
    expect(Object.keys(image)).toEqual(IMAGE_FIELDS);
    expect(image).toMatchObject({ id: imageIds[0], alt: 'Back', src: 'https://img.example.com/new.png', path: 'new.png', position: 2, created_at: before.created_at });
    const stored = (await api.call('GET', `products/${id}/images/${imageIds[0]}`)).json().image;
    expect(stored).toEqual(image);
  });

  it('accepts an empty update and changes nothing but updated_at', async () => {
    const { id, imageIds } = await api.product(1);
    const before = (await api.call('GET', `products/${id}/images/${imageIds[0]}`)).json().image;
    const res = await api.call('PUT', `products/${id}/images/${imageIds[0]}`, { image: {} });
    expect(res.statusCode).toBe(200);
    const { updated_at: _a, ...rest } = res.json().image;
    const { updated_at: _b, ...restBefore } = before;
    expect(rest).toEqual(restBefore);
  });

  it('deletes an image, answering {} and closing the gap', async () => {
    const { id, imageIds } = await api.product(3);
    const res = await api.call('DELETE', `products/${id}/images/${imageIds[0]}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
    const after = (await api.call('GET', `products/${id}/images`)).json().images;
    expect(after.map((i: { id: string; position: number }) => [i.id, i.position])).toEqual([
      [imageIds[1], 1],
      [imageIds[2], 2],
    ]);
    const gone = await api.call('GET', `products/${id}/images/${imageIds[0]}`);
    expect(gone.statusCode).toBe(422);
  });

  it('answers the same on API version 2020-07', async () => {
    const { id, imageIds } = await api.product(1);
    const res = await api.call('GET', `/openapi/2020-07/products/${id}/images/${imageIds[0]}`);
    expect(res.statusCode).toBe(200);
    const current = await api.call('GET', `${V}/products/${id}/images/${imageIds[0]}`);
    expect(res.json()).toEqual(current.json());
  });

  it('accepts upper-case UUIDs in the path', async () => {
    const { id, imageIds } = await api.product(1);
    const res = await api.call('GET', `products/${id.toUpperCase()}/images/${imageIds[0]!.toUpperCase()}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().image.id).toBe(imageIds[0]);
  });
});
