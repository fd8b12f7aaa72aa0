import { describe, expect, it } from 'vitest';
import { handleFromTitle } from '../../src/domain/handle.js';
import { insertPosition, movePosition, shiftForMove } from '../../src/domain/positions.js';

describe('insertPosition', () => {
  it.each([
    [undefined, 0, 1],
    [undefined, 3, 4],
    [1, 3, 1],
    [3, 3, 3],
    [4, 3, 4],
    [99, 3, 4],
    [1, 0, 1],
    [5, 0, 1],
  ])('requested %s among %i lands at %i', (requested, count, expected) => {
    expect(insertPosition(requested, count)).toBe(expected);
  });
});

describe('movePosition', () => {
  it.each([
    [1, 3, 1],
    [3, 3, 3],
    [4, 3, 3],
    [2_147_483_647, 5, 5],
  ])('requested %i among %i lands at %i', (requested, count, expected) => {
    expect(movePosition(requested, count)).toBe(expected);
  });
});

describe('shiftForMove', () => {
  it.each([
    [2, 2, null],
    [4, 1, { low: 1, high: 3, delta: 1 }],
    [1, 4, { low: 2, high: 4, delta: -1 }],
    [3, 2, { low: 2, high: 2, delta: 1 }],
    [2, 3, { low: 3, high: 3, delta: -1 }],
  ])('moving %i to %i shifts %j', (from, to, expected) => {
    expect(shiftForMove(from, to)).toEqual(expected);
  });
});

describe('handleFromTitle', () => {
  it.each([
    ['Blue Shirt', 'blue-shirt'],
    ['  Crème Brûlée!! ', 'creme-brulee'],
    ['100% Cotton / XL', '100-cotton-xl'],
    ['***', 'product'],
    ['商品', 'product'],
  ])('%j -> %j', (title, handle) => {
    expect(handleFromTitle(title)).toBe(handle);
  });
});
