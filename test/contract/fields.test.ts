import { describe, expect, it } from 'vitest';
import { isImageUrl, readPositiveInt, readString } from '../../src/contract/fields.js';
import { ImageParams } from '../../src/contract/schemas.js';
import { readPathIds } from '../../src/contract/uuid.js';
import { subdomainOf } from '../../src/domain/auth-service.js';

describe('isImageUrl', () => {
  it.each([
    ['http://cdn.shoplazza.com/1.jpg', true],
    ['https://cdn.example.com/a/b.png?x=1', true],
    ['//cdn.shoplazza.com/efd33b921cacd5311a32dd03a9bc8740.png', true],
    ['HTTPS://EXAMPLE.COM/A.JPG', true],
    ['ftp://example.com/a.jpg', false],
    ['/relative/a.jpg', false],
    ['example.com/a.jpg', false],
    ['javascript:alert(1)', false],
    ['http://', false],
    ['http://exa mple.com/a.jpg', false],
    ['', false],
  ])('%j is %s', (url, ok) => {
    expect(isImageUrl(url)).toBe(ok);
  });
});

describe('readPositiveInt', () => {
  it.each([
    [300, 300, []],
    ['300', 300, []],
    [' 42 ', 42, []],
    [null, undefined, []],
    ['', undefined, []],
    [0, undefined, ['Width must be greater than 0']],
    ['-3', undefined, ['Width must be greater than 0']],
    [1.5, undefined, ['Width must be an integer']],
    ['1.5', undefined, ['Width must be an integer']],
    ['abc', undefined, ['Width must be an integer']],
    [true, undefined, ['Width must be an integer']],
    [[1], undefined, ['Width must be an integer']],
    [1e300, undefined, ['Width must be less than or equal to 2147483647']],
    ['99999999999999999999', undefined, ['Width must be less than or equal to 2147483647']],
  ])('width %j -> %j %j', (raw, value, problems) => {
    const found: string[] = [];
    expect(readPositiveInt({ width: raw }, 'width', 'Width', found)).toBe(value);
    expect(found).toEqual(problems);
  });

  it('clamps a huge position to the largest integer instead of refusing it', () => {
    const found: string[] = [];
    expect(readPositiveInt({ position: 1e12 }, 'position', 'Position', found, { clampAbove: true })).toBe(2_147_483_647);
    expect(found).toEqual([]);
  });
});

describe('readString', () => {
  it('counts characters, not UTF-16 units, against the maximum', () => {
    const found: string[] = [];
    expect(readString({ alt: '😀'.repeat(512) }, 'alt', 'Alt', found, { max: 512 })).toBe('😀'.repeat(512));
    expect(readString({ alt: 'a'.repeat(513) }, 'alt', 'Alt', found, { max: 512 })).toBeUndefined();
    expect(found).toEqual(['Alt is too long (maximum is 512 characters)']);
  });
});

describe('readPathIds', () => {
  const good = '91d032e7-bbc8-47e4-8668-9ba6fe714de6';
  it.each([
    [{ product_id: 'x', image_id: good }, ['ProductId must be a valid UUID']],
    [{ product_id: good, image_id: '' }, ['ImageId must be a valid UUID']],
    [{ product_id: '', image_id: 'nope' }, ['ProductId must be a valid UUID', 'ImageId must be a valid UUID']],
  ])('%j -> %j', (params, messages) => {
    expect(() => readPathIds(ImageParams, params)).toThrow(expect.objectContaining({ messages }));
  });

  it('normalises upper-case ids to lower case', () => {
    expect(readPathIds(ImageParams, { product_id: good.toUpperCase(), image_id: good })).toEqual({ productId: good, imageId: good });
  });
});

describe('subdomainOf', () => {
  it.each([
    ['store123.myshoplaza.localhost', 'store123'],
    ['STORE123.MyShoplaza.Localhost:8080', 'store123'],
    ['myshoplaza.localhost', null],
    ['127.0.0.1:8080', null],
    ['store123.other.test', null],
    [undefined, null],
  ])('%j -> %j', (host, sub) => {
    expect(subdomainOf(host, 'myshoplaza.localhost')).toBe(sub);
  });
});
