import { describe, expect, it } from 'vitest';
import { librarySrc, wireSrc } from '../../src/contract/library-src.js';

const name = `${'a'.repeat(32)}.png`;
const context = { cdnBase: '//cdn.test/images', ownBases: ['//cdn.test/images', '//127.0.0.1:8080/cdn'] };

describe('librarySrc', () => {
  it.each([
    [`//cdn.test/images/${name}`, name],
    [`https://cdn.test/images/${name}`, name],
    [`http://CDN.test/images/${name}`, name],
    [`//127.0.0.1:8080/cdn/${name}`, name],
    [`//cdn.test/images/${'a'.repeat(32)}_100x200.png`, `${'a'.repeat(32)}_100x200.png`],
    [`//cdn.test/images/${name}?width=400`, `${name}?width=400`],
    [`//cdn.test/images/sub/${name}`, `sub/${name}`],
    [`//cdn.test/imagesx/${name}`, `//cdn.test/imagesx/${name}`],
    [`//cdn.test.evil/images/${name}`, `//cdn.test.evil/images/${name}`],
    [`//127.0.0.1:8081/cdn/${name}`, `//127.0.0.1:8081/cdn/${name}`],
    ['//cdn.test/images/', '//cdn.test/images/'],
  ])('%s -> %s', (src, expected) => {
    expect(librarySrc(src, context)).toBe(expected);
  });
});

describe('wireSrc', () => {
  it.each([
    [name, `//cdn.test/images/${name}`],
    ['https://img.example.com/a.jpg', 'https://img.example.com/a.jpg'],
    ['//img.example.com/a.jpg', '//img.example.com/a.jpg'],
    ['HTTP://img.example.com/a.jpg', 'HTTP://img.example.com/a.jpg'],
  ])('%s -> %s', (stored, expected) => {
    expect(wireSrc(stored, context)).toBe(expected);
  });
});
