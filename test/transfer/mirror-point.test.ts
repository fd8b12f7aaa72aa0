import { describe, expect, it } from 'vitest';
import { nextMirrorPoint } from '../../src/transfer/mirror-point.js';
import { sourceBaseUrl, SourceError, withAbsoluteSrcs } from '../../src/transfer/mirror-source.js';

const at = (time: string) => Date.parse(time);

describe('nextMirrorPoint: where the next incremental pass starts', () => {
  it.each([
    {
      case: 'a full pass: the second before the source clock read before listing',
      pass: { since: null, sourceDate: at('2026-05-01T10:00:07.400Z'), newestSeen: at('2026-05-01T09:00:00Z') },
      next: '2026-05-01T10:00:06Z',
    },
    {
      case: 'products changed while the pass ran are newer than the point: asked for again',
      pass: { since: null, sourceDate: at('2026-05-01T10:00:07Z'), newestSeen: at('2026-05-01T10:00:30Z') },
      next: '2026-05-01T10:00:06Z',
    },
    {
      case: 'an empty incremental pass moves the point on',
      pass: { since: '2026-05-01T09:00:00Z', sourceDate: at('2026-05-01T10:00:07Z'), newestSeen: undefined },
      next: '2026-05-01T10:00:06Z',
    },
    {
      case: 'a source clock behind the saved point never moves it back',
      pass: { since: '2026-05-01T11:00:00Z', sourceDate: at('2026-05-01T10:00:07Z'), newestSeen: undefined },
      next: '2026-05-01T11:00:00Z',
    },
    {
      case: 'no Date header: the newest updated_at listed, inclusive',
      pass: { since: null, sourceDate: undefined, newestSeen: at('2026-05-01T09:30:00Z') },
      next: '2026-05-01T09:30:00Z',
    },
    {
      case: 'no Date header and nothing listed: the point stays',
      pass: { since: '2026-05-01T09:00:00Z', sourceDate: undefined, newestSeen: undefined },
      next: '2026-05-01T09:00:00Z',
    },
    {
      case: 'no Date header, nothing ever listed: still a full pass next',
      pass: { since: null, sourceDate: undefined, newestSeen: undefined },
      next: null,
    },
    {
      case: 'a failed product holds the point at its updated_at',
      pass: { since: null, sourceDate: at('2026-05-01T10:00:07Z'), newestSeen: at('2026-05-01T09:00:00Z'), oldestFailed: at('2026-04-01T00:00:00Z') },
      next: '2026-04-01T00:00:00Z',
    },
    {
      case: 'a failed product without a time: a full pass next',
      pass: { since: '2026-05-01T09:00:00Z', sourceDate: at('2026-05-01T10:00:07Z'), newestSeen: undefined, failedUntimed: true },
      next: null,
    },
  ])('$case', ({ pass, next }) => {
    expect(nextMirrorPoint({ oldestFailed: undefined, failedUntimed: false, ...pass })).toBe(next);
  });
});

describe('sourceBaseUrl: the --from URL as the key of its saved state', () => {
  it.each([
    ['https://store.myshoplaza.com', 'https://store.myshoplaza.com'],
    ['https://Store.MyShoplaza.com/', 'https://store.myshoplaza.com'],
    ['http://127.0.0.1:8080//', 'http://127.0.0.1:8080'],
    ['https://proxy.example/shop-a/', 'https://proxy.example/shop-a'],
  ])('%s is %s', (raw, base) => {
    expect(sourceBaseUrl(raw)).toBe(base);
  });

  it.each([
    ['store.myshoplaza.com', "--from must be the store's base URL, like https://<store>.myshoplaza.com, got \"store.myshoplaza.com\""],
    ['ftp://store.example', '--from must be an http or https URL, got "ftp://store.example"'],
    ['https://store.example/?page=2', '--from must be the store\'s base URL alone (no query, fragment or credentials), got "https://store.example/?page=2"'],
    ['https://user:secret@store.example', '--from must be the store\'s base URL alone (no query, fragment or credentials), got "https://user:secret@store.example"'],
  ])('refuses %s', (raw, message) => {
    expect(() => sourceBaseUrl(raw)).toThrow(new SourceError(message, true));
  });
});

describe('withAbsoluteSrcs: the platform answers src without a scheme', () => {
  it("completes images' and variants' src with the source's scheme, and leaves absolute ones", () => {
    const product = {
      title: 'T',
      images: [{ src: '//cdn.example/a.jpg', alt: 'A' }, { src: 'https://other.example/b.png' }],
      variants: [{ sku: 'S', image: { src: '//cdn.example/a.jpg' } }, { sku: 'U', image: null }],
    };
    expect(withAbsoluteSrcs(product, 'https://store.example')).toEqual({
      title: 'T',
      images: [{ src: 'https://cdn.example/a.jpg', alt: 'A' }, { src: 'https://other.example/b.png' }],
      variants: [{ sku: 'S', image: { src: 'https://cdn.example/a.jpg' } }, { sku: 'U', image: null }],
    });
    expect(withAbsoluteSrcs({ images: [{ src: '//127.0.0.1:8080/cdn/x.png' }] }, 'http://127.0.0.1:8080')).toEqual({ images: [{ src: 'http://127.0.0.1:8080/cdn/x.png' }] });
  });
});
