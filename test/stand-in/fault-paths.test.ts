import { describe, expect, it } from 'vitest';
import { pathMatcher } from '../../src/stand-in/faults.js';

describe('fault path patterns', () => {
  it.each([
    ['/openapi/2022-01/products/*/images', '/openapi/2022-01/products/abc/images', true],
    ['/openapi/2022-01/products/*/images', '/openapi/2022-01/products/abc/images/', true],
    ['/openapi/2022-01/products/*/images', '/openapi/2022-01/products//images', false],
    ['/openapi/2022-01/products/*/images', '/openapi/2022-01/products/a/b/images', false],
    ['/openapi/2022-01/products/*/images', '/openapi/2022-01/products/abc/images/count', false],
    ['/openapi/**', '/openapi', true],
    ['/openapi/**', '/openapi/2026-01/products/x/variants/y', true],
    ['/openapi/**/count', '/openapi/2022-01/products/x/images/count', true],
    ['/openapi/**/count', '/openapi/2022-01/products/x/images', false],
    ['/openapi/*/products', '/openapi/2025-06/products', true],
    ['/openapi/20*/products', '/openapi/2025-06/products', true],
    ['/openapi/20*-01/products', '/openapi/2025-06/products', false],
    ['/openapi/2022-01/shop', '/openapi/2022-01/shop', true],
    ['/openapi/2022-01/shop', '/openapi/2022-01/shopx', false],
  ])('%s against %s: %s', (pattern, path, matches) => {
    expect(pathMatcher(pattern)(path)).toBe(matches);
  });

  // Regression guard: a pattern made to backtrack (many stars against a long path that misses) answers at once.
  it('answers a hostile pattern against a long path without backtracking', () => {
    const pattern = `/${'**/'.repeat(30)}${'a*'.repeat(30)}b`;
    const path = `/${'a/'.repeat(200)}${'a'.repeat(4000)}`;
    expect(pathMatcher(pattern)(path)).toBe(false);
  });
});
