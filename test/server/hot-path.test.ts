import { describe, expect, it } from 'vitest';
import { parseHotPath } from '../../src/server/hot-path.js';

const P = '6a1b9a7e-4a5e-4c2e-9f0e-1d2c3b4a5f60';
const I = '0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f';

describe('parseHotPath', () => {
  it.each([
    [`/openapi/2022-01/products/${P}/images/${I}`, { kind: 'image', productId: P, imageId: I }],
    [`/openapi/2020-07/products/${P}/images/${I}`, { kind: 'image', productId: P, imageId: I }],
    [`/openapi/2022-01/products/${P}/images`, { kind: 'list', productId: P }],
    // Ids are taken as written: only a stored id, in its stored spelling, can ever find bytes.
    [`/openapi/2022-01/products/not-a-uuid/images/${I}`, { kind: 'image', productId: 'not-a-uuid', imageId: I }],
  ])('%s is a hot read', (url, expected) => {
    expect(parseHotPath(url)).toEqual(expected);
  });

  it.each([
    [`/openapi/2022-01/products/${P}/images/count`, 'the count route'],
    [`/openapi/2022-01/products/${P}/images/${I}?fields=id`, 'a query string'],
    [`/openapi/2022-01/products/${P}/images/%30${I.slice(1)}`, 'a percent escape'],
    [`/openapi/2022-01/products/${P}/images/${I}/`, 'a trailing slash'],
    [`/openapi/2022-01/products/${P}/images/`, 'an empty image id'],
    [`/openapi/2022-01/products//images/${I}`, 'an empty product id'],
    [`/openapi//2022-01/products/${P}/images/${I}`, 'a doubled slash'],
    [`/openapi/2025-06/products/${P}/images/${I}`, 'a version not served'],
    [`/OPENAPI/2022-01/products/${P}/images/${I}`, 'another case'],
    [`/openapi/2022-01/products/${P}`, 'a product'],
    [`/openapi/2022-01/products/${P}/variants/${I}`, 'another resource'],
    [`/cdn/${P}`, 'the CDN'],
    ['*', 'an asterisk-form target'],
  ])('%s is left to the router (%s)', (url) => {
    expect(parseHotPath(url)).toBeNull();
  });
});
