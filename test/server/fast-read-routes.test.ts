import { describe, expect, it } from 'vitest';
import { API_VERSIONS } from '../../src/contract/versions.js';
import { fastReadRoutes } from '../../src/server/fast-read/fast-read-routes.js';
import { productImageBindings } from '../../src/server/routes/product-images.js';
import { productBindings } from '../../src/server/routes/products.js';

const P = '6a1b9a7e-4a5e-4c2e-9f0e-1d2c3b4a5f60';
const I = '0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f';

// The URL grammar needs only the declarations; the use cases are never run here.
const unused = null as never;
const match = fastReadRoutes(API_VERSIONS, [...productImageBindings(unused), ...productBindings(unused)]);
const outcome = (url: string) => {
  const found = match(url);
  return found && { operation: found.binding.operation.id, version: found.version.name, params: found.params };
};

describe('fastReadRoutes', () => {
  it.each([
    [`/openapi/2022-01/products/${P}/images/${I}`, { operation: 'getProductImage', version: '2022-01', params: { product_id: P, image_id: I } }],
    [`/openapi/2020-07/products/${P}/images/${I}`, { operation: 'getProductImage', version: '2020-07', params: { product_id: P, image_id: I } }],
    [`/openapi/2022-01/products/${P}/images`, { operation: 'listProductImages', version: '2022-01', params: { product_id: P } }],
  ])('%s is a fast read', (url, expected) => {
    expect(outcome(url)).toEqual(expected);
  });

  it.each([
    [`/openapi/2022-01/products/${P}/images/count`, 'the count route'],
    [`/openapi/2022-01/products/not-a-uuid/images/${I}`, 'an id that is not a UUID'],
    [`/openapi/2022-01/products/${P.toUpperCase()}/images/${I}`, 'an id in upper case'],
    [`/openapi/2022-01/products/${P}/images/${I}?fields=id`, 'a query string'],
    [`/openapi/2022-01/products/${P}/images/%30${I.slice(1)}`, 'a percent escape'],
    [`/openapi/2022-01/products/${P}/images/${I}/`, 'a trailing slash'],
    [`/openapi/2022-01/products/${P}/images/`, 'an empty image id'],
    [`/openapi/2022-01/products//images/${I}`, 'an empty product id'],
    [`/openapi//2022-01/products/${P}/images/${I}`, 'a doubled slash'],
    [`/openapi/2026-07/products/${P}/images/${I}`, 'a version not served'],
    [`/OPENAPI/2022-01/products/${P}/images/${I}`, 'another case'],
    [`/openapi/2022-01/products/${P}`, 'a product'],
    [`/openapi/2022-01/products/count`, 'the product count'],
    [`/openapi/2022-01/products/${P}/variants/${I}`, 'another resource'],
    [`/cdn/${P}`, 'the CDN'],
    ['*', 'an asterisk-form target'],
  ])('%s is left to the router (%s)', (url) => {
    expect(match(url)).toBeNull();
  });
});
