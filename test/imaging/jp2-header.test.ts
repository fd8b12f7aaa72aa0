import { describe, expect, it } from 'vitest';
import { readJp2Header } from '../../src/imaging/jp2-header.js';
import { jp2File } from './fixtures/hostile.js';

describe('readJp2Header', () => {
  it.each([
    ['a JP2 file', jp2File({ width: 640, height: 480 }), { width: 640, height: 480, complete: true }],
    ['a raw codestream', jp2File({ width: 7, height: 3, raw: true }), { width: 7, height: 3, complete: true }],
    ['a JP2 file without its end marker', jp2File({ complete: false }), { width: 40, height: 20, complete: false }],
    ['a raw codestream without its end marker', jp2File({ raw: true, complete: false }), { width: 40, height: 20, complete: false }],
  ])('measures %s', (_what, file, header) => {
    expect(readJp2Header(file)).toEqual(header);
  });

  it.each([
    ['a JP2 file cut inside its header boxes', jp2File().subarray(0, 40)],
    ['a codestream cut inside SIZ', jp2File({ raw: true }).subarray(0, 12)],
    ['a zero-sized image', jp2File({ width: 0, height: 20 })],
    ['a box claiming to be shorter than its header', Buffer.from([0, 0, 0, 4, 0x6a, 0x50, 0x20, 0x20, 0, 0, 0, 0])],
    ['an empty file', Buffer.alloc(0)],
  ])('refuses %s', (_what, file) => {
    expect(readJp2Header(file)).toBeNull();
  });
});
