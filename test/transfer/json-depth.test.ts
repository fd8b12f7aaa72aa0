import { describe, expect, it } from 'vitest';
import { nestsDeeperThan } from '../../src/transfer/json-depth.js';

describe('nestsDeeperThan: the nesting of JSON text, read without parsing it', () => {
  it.each([
    ['{}', 1, false],
    ['{}', 0, true],
    ['{"a":[{"b":[]}]}', 4, false],
    ['{"a":[{"b":[]}]}', 3, true],
    ['[][][][]', 1, false],
    // Brackets inside strings are text, escaped quotes too.
    ['{"a":"[[[[{{{{"}', 1, false],
    ['{"a":"\\"[[[["}', 1, false],
    ['{"a":"\\\\","b":[[]]}', 2, true],
    ['"just a string"', 0, false],
    ['not json at all', 0, false],
    [`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 64, true],
  ])('%j deeper than %i: %s', (text, limit, deeper) => {
    expect(nestsDeeperThan(text, limit)).toBe(deeper);
  });
});
