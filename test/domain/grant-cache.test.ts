import { describe, expect, it } from 'vitest';
import { GrantCache } from '../../src/domain/grant-cache.js';

const grant = (active = true) => ({ tokenHash: 'h', shopId: 's', subdomain: 'alpha', active, scopes: ['read_product' as const] });

describe('GrantCache', () => {
  it('keeps an active grant for its time to live, then forgets it', () => {
    let now = 1000;
    const cache = new GrantCache(500, 10, () => now);
    cache.set('h', grant());
    expect(cache.get('h')).toEqual(grant());
    now = 1499;
    expect(cache.get('h')).toBeDefined();
    now = 1500;
    expect(cache.get('h')).toBeUndefined();
  });

  it('never keeps a grant of an inactive store, nor anything with a zero time to live', () => {
    const cache = new GrantCache(500);
    cache.set('h', grant(false));
    expect(cache.get('h')).toBeUndefined();
    const off = new GrantCache(0);
    off.set('h', grant());
    expect(off.get('h')).toBeUndefined();
  });

  it('drops the oldest entry when full', () => {
    const cache = new GrantCache(10_000, 2);
    cache.set('a', grant());
    cache.set('b', grant());
    cache.set('c', grant());
    expect([cache.get('a'), cache.get('b'), cache.get('c')].map(Boolean)).toEqual([false, true, true]);
  });
});
