import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { knownScopes, SCOPES, unknownScopes, unknownScopesProblem } from '../../src/domain/scopes.js';

describe('the documented scopes and the extra ones (issue 23)', () => {
  it('are the reference\'s fifteen read/write pairs, each once, write_shop included', () => {
    expect(SCOPES).toHaveLength(30);
    expect(new Set(SCOPES).size).toBe(30);
    const resources = [...new Set(SCOPES.map((scope) => scope.replace(/^(read|write)_/, '')))];
    expect(resources).toEqual(['shop', 'themes', 'shop_navigation', 'product', 'collection', 'comments', 'payment_info', 'order', 'customer', 'price_rules', 'gift_cards', 'app_proxy', 'data', 'script_tags', 'finance']);
    for (const resource of resources) expect(SCOPES).toEqual(expect.arrayContaining([`read_${resource}`, `write_${resource}`]));
  });

  it.each([
    [['read_order', 'write_cart_transform', 'write_cart_transform', 'read_orders'], [], ['write_cart_transform', 'read_orders']],
    [['read_order', 'write_cart_transform'], ['write_cart_transform'], []],
    [[], [], []],
  ])('unknownScopes(%j) with extras %j: %j', (asked, extra, unknown) => {
    expect(unknownScopes(asked, knownScopes(extra))).toEqual(unknown);
  });

  it('extras come after the documented ones, once; the refusal names every unknown scope', () => {
    expect(knownScopes(['write_cart_transform', 'read_shop'])).toEqual([...SCOPES, 'write_cart_transform']);
    expect(unknownScopesProblem(['a_x', 'b_y'])).toMatch(/^Unknown scopes a_x, b_y: .*\(read_shop, write_shop, .*, write_finance\) or one PRODIMG_EXTRA_SCOPES lists$/);
  });

  it.each([
    ['write_cart_transform, read_cart_transform ,write_cart_transform', ['write_cart_transform', 'read_cart_transform']],
    [' , ', []],
    ['', []],
  ])('PRODIMG_EXTRA_SCOPES=%j reads as %j', (value, scopes) => {
    expect(loadConfig({ PRODIMG_EXTRA_SCOPES: value }).oauth.extraScopes).toEqual(scopes);
  });

  it.each(['cart_transform', 'write_Cart', 'write_', 'read_order;drop', 'write_cart-transform'])('PRODIMG_EXTRA_SCOPES=%j is refused in one line naming the setting', (value) => {
    expect(() => loadConfig({ PRODIMG_EXTRA_SCOPES: value })).toThrow(/^PRODIMG_EXTRA_SCOPES must be a comma-separated list of scope names .*; got "/);
  });
});
