import { describe, expect, it } from 'vitest';
import { acceptsMediaType, negotiateFormat } from '../../src/imaging/negotiate-format.js';

const CHROME = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const SAFARI_15 = 'image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5';
const CURL = '*/*';

describe('negotiateFormat', () => {
  it.each([
    ['no format keeps the original', undefined, CHROME, 'png', true, { format: 'png', vary: false }],
    ['an explicit format wins over Accept', 'jpeg', CHROME, 'png', true, { format: 'jpeg', vary: false }],
    ['explicit webp for a client that does not list it', 'webp', CURL, 'jpeg', true, { format: 'webp', vary: false }],
    ['auto: AVIF first', 'auto', CHROME, 'jpeg', true, { format: 'avif', vary: true }],
    ['auto: WebP without AVIF', 'auto', SAFARI_15, 'jpeg', true, { format: 'webp', vary: true }],
    ['auto: wildcards do not count', 'auto', CURL, 'jpeg', true, { format: 'jpeg', vary: true }],
    ['auto: no Accept at all', 'auto', undefined, 'gif', true, { format: 'gif', vary: true }],
    ['auto: AVIF refused with q=0', 'auto', 'image/avif;q=0, image/webp', 'png', true, { format: 'webp', vary: true }],
    ['auto: an original that cannot be decoded stays as it is', 'auto', CHROME, 'jp2', false, { format: 'jp2', vary: true }],
  ] as const)('%s', (_why, requested, accept, source, convertible, expected) => {
    expect(negotiateFormat(requested, accept, source, convertible)).toEqual(expected);
  });
});

describe('acceptsMediaType', () => {
  it.each([
    [CHROME, 'image/avif', true],
    [SAFARI_15, 'image/avif', false],
    [SAFARI_15, 'image/webp', true],
    ['IMAGE/WEBP', 'image/webp', true],
    [' image/webp ; q=0.5 ', 'image/webp', true],
    ['image/webp;q=0', 'image/webp', false],
    ['image/webp;q=0.000', 'image/webp', false],
    ['image/webp;q=nonsense', 'image/webp', false],
    ['image/webp;q=0, image/webp;q=1', 'image/webp', true],
    ['image/webpx', 'image/webp', false],
    ['image/*', 'image/webp', false],
    ['', 'image/webp', false],
    [',,;;,', 'image/webp', false],
  ] as const)('%j accepts %s: %s', (accept, type, expected) => {
    expect(acceptsMediaType(accept, type)).toBe(expected);
  });
});
