import { describe, expect, it } from 'vitest';
import { type BlobResponseInput, etagMatches, IMMUTABLE, planBlobResponse } from '../../src/imaging/blob-response.js';

const ETAG = '"0123456789abcdef0123456789abcdef.jpg"';
const base: BlobResponseInput = {
  method: 'GET',
  size: 1000,
  etag: ETAG,
  contentType: 'image/jpeg',
  vary: false,
  ifNoneMatch: undefined,
  range: undefined,
  ifRange: undefined,
};
const full = {
  etag: ETAG,
  'cache-control': IMMUTABLE,
  'content-type': 'image/jpeg',
  'accept-ranges': 'bytes',
  'x-content-type-options': 'nosniff',
  'content-length': '1000',
};

describe('planBlobResponse', () => {
  it.each<[string, Partial<BlobResponseInput>, number, Record<string, string>, { start: number; end: number } | null]>([
    ['GET: the whole file', {}, 200, full, { start: 0, end: 999 }],
    ['HEAD: the same headers, no body', { method: 'HEAD' }, 200, full, null],
    ['auto format: Vary on the 200', { vary: true }, 200, { ...full, vary: 'Accept' }, { start: 0, end: 999 }],
    ['If-None-Match: our tag', { ifNoneMatch: ETAG }, 304, { etag: ETAG, 'cache-control': IMMUTABLE }, null],
    ['If-None-Match: weak form of our tag', { ifNoneMatch: `W/${ETAG}` }, 304, { etag: ETAG, 'cache-control': IMMUTABLE }, null],
    ['If-None-Match: *', { ifNoneMatch: '*' }, 304, { etag: ETAG, 'cache-control': IMMUTABLE }, null],
    ['If-None-Match: in a list', { ifNoneMatch: `"other", ${ETAG}` }, 304, { etag: ETAG, 'cache-control': IMMUTABLE }, null],
    ['If-None-Match: HEAD too', { method: 'HEAD', ifNoneMatch: ETAG }, 304, { etag: ETAG, 'cache-control': IMMUTABLE }, null],
    ['If-None-Match: 304 keeps Vary', { ifNoneMatch: ETAG, vary: true }, 304, { etag: ETAG, 'cache-control': IMMUTABLE, vary: 'Accept' }, null],
    ['If-None-Match: another tag', { ifNoneMatch: '"other"' }, 200, full, { start: 0, end: 999 }],
    ['If-None-Match wins over Range', { ifNoneMatch: ETAG, range: 'bytes=0-9' }, 304, { etag: ETAG, 'cache-control': IMMUTABLE }, null],
    ['Range: first bytes', { range: 'bytes=0-99' }, 206, { ...full, 'content-length': '100', 'content-range': 'bytes 0-99/1000' }, { start: 0, end: 99 }],
    ['Range: open end', { range: 'bytes=900-' }, 206, { ...full, 'content-length': '100', 'content-range': 'bytes 900-999/1000' }, { start: 900, end: 999 }],
    ['Range: suffix', { range: 'bytes=-10' }, 206, { ...full, 'content-length': '10', 'content-range': 'bytes 990-999/1000' }, { start: 990, end: 999 }],
    ['Range: end past the size is cut', { range: 'bytes=990-5000' }, 206, { ...full, 'content-length': '10', 'content-range': 'bytes 990-999/1000' }, { start: 990, end: 999 }],
    ['Range: overlapping parts combine into one', { range: 'bytes=0-9,5-19' }, 206, { ...full, 'content-length': '20', 'content-range': 'bytes 0-19/1000' }, { start: 0, end: 19 }],
    ['Range: several parts get the whole file', { range: 'bytes=0-9,100-109' }, 200, full, { start: 0, end: 999 }],
    ['Range: unsatisfiable', { range: 'bytes=1000-' }, 416, { 'content-range': 'bytes */1000' }, null],
    ['Range: malformed is ignored', { range: 'bytes=abc' }, 200, full, { start: 0, end: 999 }],
    ['Range: another unit is ignored', { range: 'items=0-9' }, 200, full, { start: 0, end: 999 }],
    ['Range: ignored on HEAD', { method: 'HEAD', range: 'bytes=0-9' }, 200, full, null],
    ['If-Range: our tag honours the range', { range: 'bytes=0-9', ifRange: ETAG }, 206, { ...full, 'content-length': '10', 'content-range': 'bytes 0-9/1000' }, { start: 0, end: 9 }],
    ['If-Range: another tag sends the whole file', { range: 'bytes=0-9', ifRange: '"other"' }, 200, full, { start: 0, end: 999 }],
    ['If-Range: a weak tag never matches', { range: 'bytes=0-9', ifRange: `W/${ETAG}` }, 200, full, { start: 0, end: 999 }],
    ['If-Range: a date never matches (no Last-Modified)', { range: 'bytes=0-9', ifRange: 'Wed, 21 Oct 2015 07:28:00 GMT' }, 200, full, { start: 0, end: 999 }],
  ])('%s', (_why, input, status, headers, body) => {
    expect(planBlobResponse({ ...base, ...input })).toEqual({ status, headers, body });
  });
});

describe('etagMatches', () => {
  it.each([
    [ETAG, true],
    [`W/${ETAG}`, true],
    ['*', true],
    [` "a" ,  ${ETAG} `, true],
    ['"0123456789abcdef0123456789abcdef"', false],
    [ETAG.slice(1, -1), false],
    ['', false],
    [',,', false],
  ])('%j: %s', (header, expected) => {
    expect(etagMatches(header, ETAG)).toBe(expected);
  });
});
