import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from '../support/api.js';
import { DIALECTS } from '../support/databases.js';

const PRODUCT_FIELDS = [
  ...['id', 'title', 'brief', 'handle', 'description', 'vendor', 'vendor_url', 'tags', 'published', 'requires_shipping', 'taxable', 'published_at', 'created_at', 'updated_at'],
  ...['note', 'seo_title', 'seo_description', 'seo_keywords', 'inventory_tracking', 'inventory_policy', 'spu', 'fake_sales', 'display_fake_sales'],
  ...['has_only_default_variant', 'inventory_quantity', 'need_variant_image', 'image', 'images', 'options', 'variants'],
];

describe.each(DIALECTS)('products on %s', (dialect) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(dialect);
  });
  afterAll(() => api.close());

  it('creates a product with images in array order, and `image` as the first one', async () => {
    const res = await api.call('POST', 'products', {
      product: {
        title: 'Linen Shirt',
        vendor: 'Acme',
        tags: 'summer,linen',
        description: '<p>Cool</p>',
        images: [
          { src: 'https://img.example.com/front.jpg', alt: 'Front', width: '800', height: 600 },
          { src: '//img.example.com/back.jpg' },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    const { product } = res.json();
    expect(Object.keys(product)).toEqual(PRODUCT_FIELDS);
    expect(product).toMatchObject({ title: 'Linen Shirt', handle: 'linen-shirt', vendor: 'Acme', tags: 'summer,linen', published: true });
    expect(product.images.map((i: { position: number; src: string }) => [i.position, i.src])).toEqual([
      [1, 'https://img.example.com/front.jpg'],
      [2, '//img.example.com/back.jpg'],
    ]);
    expect(product.image).toEqual({ src: 'https://img.example.com/front.jpg', width: 800, height: 600, alt: 'Front', path: 'front.jpg' });
    const images = await api.call('GET', `products/${product.id}/images`);
    expect(images.json().images).toEqual(product.images);
  });

  it('answers image null for a product without images, and published false when asked', async () => {
    const res = await api.call('POST', 'products', { product: { title: 'Bare', published: false, handle: 'my-bare' } });
    expect(res.json().product).toMatchObject({ image: null, images: [], published: false, published_at: null, handle: 'my-bare' });
  });

  it.each([
    [{}, ["Title can't be blank"]],
    [{ title: '   ' }, ["Title can't be blank"]],
    [{ title: 'x'.repeat(256) }, ['Title is too long (maximum is 255 characters)']],
    [{ title: 'ok', vendor: 'v'.repeat(101) }, ['Vendor is too long (maximum is 100 characters)']],
    [{ title: 'ok', published: 'yes' }, ['Published must be true or false']],
    [{ title: 'ok', images: 'https://a.example/x.jpg' }, ['Images must be an array']],
    [{ title: 'ok', images: [{ src: 'nope' }, 'x', { src: 'https://a.example/x.jpg', width: 0 }] }, [
      'Image 1: Src must be a valid URL',
      'Image 2: must be an object',
      'Image 3: Width must be greater than 0',
    ]],
  ])('refuses the product %j with 422 %j and stores nothing', async (product, errors) => {
    const before = (await api.call('GET', 'products/count')).json().count;
    const res = await api.call('POST', 'products', { product });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({ errors });
    expect((await api.call('GET', 'products/count')).json().count).toBe(before);
  });

  it('gets, updates and deletes a product; deleting it deletes its images', async () => {
    const { id, imageIds } = await api.product(2);
    const got = await api.call('GET', `products/${id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json().product.images.map((i: { id: string }) => i.id)).toEqual(imageIds);

    const put = await api.call('PUT', `products/${id}`, { product: { title: 'Renamed', published: false } });
    expect(put.statusCode).toBe(200);
    expect(put.json().product).toMatchObject({ title: 'Renamed', handle: 'shirt', published: false, published_at: null });
    expect(put.json().product.images).toHaveLength(2);

    const del = await api.call('DELETE', `products/${id}`);
    expect(del.statusCode).toBe(200);
    expect(del.json()).toEqual({});
    expect((await api.call('GET', `products/${id}`)).statusCode).toBe(422);
    expect((await api.call('GET', `products/${id}/images/${imageIds[0]}`)).json()).toEqual({ errors: ['Record not found'] });
    const orphans = await api.db.database.db.selectFrom('images').select('id').where('product_id', '=', id).execute();
    expect(orphans).toEqual([]);
  });

  it('PUT with images replaces the gallery: keeps listed ids in the new order, creates new ones, drops the rest', async () => {
    const { id, imageIds } = await api.product(3);
    const res = await api.call('PUT', `products/${id}`, {
      product: { images: [{ id: imageIds[2], alt: 'now first' }, { src: 'https://img.example.com/new.jpg', width: 10, height: 20 }, { id: imageIds[0] }] },
    });
    expect(res.statusCode).toBe(200);
    const images = res.json().product.images;
    expect(images.map((i: { id: string; position: number }) => i.position)).toEqual([1, 2, 3]);
    expect(images[0]).toMatchObject({ id: imageIds[2], alt: 'now first' });
    expect(images[1]).toMatchObject({ src: 'https://img.example.com/new.jpg', width: 10, height: 20 });
    expect(images[2]).toMatchObject({ id: imageIds[0], src: 'https://img.example.com/a0.jpg' });
    expect(images.map((i: { id: string }) => i.id)).not.toContain(imageIds[1]);
  });

  it('PUT with an image id of another product is refused and changes nothing', async () => {
    const mine = await api.product(1);
    const other = await api.product(1);
    const res = await api.call('PUT', `products/${mine.id}`, { product: { title: 'Changed', images: [{ id: other.imageIds[0] }] } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({ errors: [`Image ${other.imageIds[0]} does not belong to this product`] });
    const after = (await api.call('GET', `products/${mine.id}`)).json().product;
    expect(after.title).toBe('Shirt');
    expect(after.images.map((i: { id: string }) => i.id)).toEqual(mine.imageIds);
  });

  it('pages through products with cursor and pre_cursor, up to per_page each', async () => {
    await api.shops.create('pager');
    const { token } = await api.shops.createToken('pager', ['write_product']);
    const as = { 'access-token': token };
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await api.call('POST', 'products', { product: { title: `P${i}` } }, as)).json().product.id);
    }
    expect((await api.call('GET', 'products/count', undefined, as)).json()).toEqual({ count: 7 });
    const seen: string[] = [];
    let cursor = '';
    const pages: Array<{ cursor: string; pre_cursor: string; products: Array<{ id: string }> }> = [];
    do {
      const res = await api.call('GET', `products?per_page=3${cursor ? `&cursor=${cursor}` : ''}`, undefined, as);
      expect(res.statusCode).toBe(200);
      const page = res.json();
      expect(Object.keys(page)).toEqual(['cursor', 'pre_cursor', 'products']);
      pages.push(page);
      seen.push(...page.products.map((p: { id: string }) => p.id));
      cursor = page.cursor;
    } while (cursor);
    expect(pages.map((p) => p.products.length)).toEqual([3, 3, 1]);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(seen).toHaveLength(7);
    expect(pages[0]!.pre_cursor).toBe('');
    const back = await api.call('GET', `products?per_page=3&pre_cursor=${pages[2]!.pre_cursor}`, undefined, as);
    expect(back.json().products.map((p: { id: string }) => p.id)).toEqual(pages[1]!.products.map((p) => p.id));
  });

  it.each([
    ['per_page=0', 'Per page must be greater than or equal to 1'],
    ['per_page=251', 'Per page must be less than or equal to 250'],
    ['per_page=ten', 'Per page must be an integer'],
    ['cursor=garbage', 'Cursor is invalid'],
    ['pre_cursor=Wzld', 'Pre cursor is invalid'],
  ])('GET /products?%s -> 422 %j', async (query, message) => {
    const res = await api.call('GET', `products?${query}`);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({ errors: [message] });
  });

  it('allows per_page=250', async () => {
    const res = await api.call('GET', 'products?per_page=250');
    expect(res.statusCode).toBe(200);
  });
});
