import { describe, expect, it } from 'vitest';
import { defaultVariants, optionValues, variantProblems, variantTitle } from '../../src/domain/variant-rules.js';

const v = (option1: string | null, option2: string | null = null, option3: string | null = null) => ({ option1, option2, option3 });
const plain = () => '';
const numbered = (i: number) => `Variant ${i + 1}: `;

describe('variant rules', () => {
  it.each([
    [v(null), 'Default Title'],
    [v('Red'), 'Red'],
    [v('Red', 'S'), 'Red / S'],
    [v('Red', 'S', 'Cotton'), 'Red / S / Cotton'],
  ])('titles %j as %s', (variant, title) => {
    expect(variantTitle(variant)).toBe(title);
  });

  it.each([
    ['one default variant', 0, [v(null)], plain, []],
    ['a second variant without options', 0, [v(null), v(null)], plain, ['A product without options has only its default variant']],
    ['a value without its option', 0, [v('Red')], plain, ['Option1 is not allowed: the product has 0 options']],
    ['a missing value', 2, [v('Red')], plain, ["Option2 can't be blank"]],
    ['a blank value', 1, [v('')], plain, ["Option1 can't be blank"]],
    ['one value too many', 1, [v('Red', 'S')], numbered, ['Variant 1: Option2 is not allowed: the product has 1 option']],
    ['distinct combinations', 2, [v('Red', 'S'), v('Red', 'M'), v('Blue', 'S')], plain, []],
    ['a repeated combination', 2, [v('Red', 'S'), v('Blue', 'S'), v('Red', 'S')], numbered, ['Variant 3: Option values Red / S are already taken by another variant']],
  ] as const)('%s', (_name, count, variants, label, problems) => {
    expect(variantProblems(count, variants, label)).toEqual(problems);
  });

  it('appends the values variants use to their options, once, after the declared ones', () => {
    const options = [{ name: 'Color', values: ['Red'] }, { name: 'Size', values: [] }];
    expect(optionValues(options, [v('Blue', 'S'), v('Red', 'M'), v('Blue', 'M')])).toEqual([
      { name: 'Color', values: ['Red', 'Blue'] },
      { name: 'Size', values: ['S', 'M'] },
    ]);
  });

  it('makes one variant of the first values, or the default one', () => {
    expect(defaultVariants([])).toEqual([{}]);
    expect(defaultVariants([{ name: 'Color', values: ['Red', 'Blue'] }, { name: 'Size', values: ['S'] }])).toEqual([{ option1: 'Red', option2: 'S' }]);
  });
});
