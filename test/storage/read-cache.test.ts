import { describe, expect, it } from 'vitest';
import type { Image } from '../../src/domain/entities.js';
import { ReadCache } from '../../src/storage/read-cache.js';

const image = (id: string, position = 1): Image => ({
  id,
  product_id: 'p',
  position,
  src: 's',
  path: 'x.jpg',
  width: 1,
  height: 1,
  alt: '',
  created_at: 't',
  updated_at: 't',
});

describe('ReadCache', () => {
  it('holds nothing until switched on', () => {
    const cache = new ReadCache();
    cache.putImage(cache.generation, 's', 'p', image('a'));
    expect(cache.image('s', 'p', 'a')).toBeUndefined();
    cache.setEnabled(true);
    cache.putImage(cache.generation, 's', 'p', image('a'));
    expect(cache.image('s', 'p', 'a')).toEqual(image('a'));
    expect(cache.image('other-shop', 'p', 'a')).toBeUndefined();
  });

  it('refuses a read that started before an invalidation', () => {
    const cache = new ReadCache();
    cache.setEnabled(true);
    const before = cache.generation;
    cache.invalidate('p');
    cache.putImage(before, 's', 'p', image('a'));
    cache.putList(before, 's', 'p', [image('a')]);
    expect(cache.image('s', 'p', 'a')).toBeUndefined();
    expect(cache.list('s', 'p')).toBeUndefined();
  });

  it('drops every entry of a changed product and only those', () => {
    const cache = new ReadCache();
    cache.setEnabled(true);
    cache.putImage(cache.generation, 's', 'p', image('a'));
    cache.putList(cache.generation, 's', 'p', [image('a')]);
    cache.putImage(cache.generation, 's', 'q', image('b'));
    cache.invalidate('p');
    expect(cache.image('s', 'p', 'a')).toBeUndefined();
    expect(cache.list('s', 'p')).toBeUndefined();
    expect(cache.image('s', 'q', 'b')).toBeDefined();
  });

  it('starts over when full', () => {
    const cache = new ReadCache(2);
    cache.setEnabled(true);
    for (const id of ['a', 'b', 'c']) cache.putImage(cache.generation, 's', 'p', image(id));
    expect(['a', 'b', 'c'].map((id) => Boolean(cache.image('s', 'p', id)))).toEqual([false, false, true]);
  });

  it('asks its feed before each read', () => {
    const cache = new ReadCache();
    cache.setEnabled(true);
    cache.putImage(cache.generation, 's', 'p', image('a'));
    cache.beforeRead = () => cache.clear();
    expect(cache.image('s', 'p', 'a')).toBeUndefined();
  });
});
