import { describe, expect, it } from 'vitest';
import { orientedSize } from '../../src/imaging/oriented-size.js';

describe('orientedSize', () => {
  it.each([
    [undefined, 40, 20],
    [1, 40, 20],
    [2, 40, 20],
    [3, 40, 20],
    [4, 40, 20],
    [5, 20, 40],
    [6, 20, 40],
    [7, 20, 40],
    [8, 20, 40],
    [0, 40, 20],
    [9, 40, 20],
  ])('orientation %s shows a stored 40x20 image as %dx%d', (orientation, width, height) => {
    expect(orientedSize(40, 20, orientation)).toEqual({ width, height });
  });
});
