import { describe, expect, it } from 'vitest';
import { readFieldsParameter } from '../../src/contract/field-filter.js';

const KNOWN = ['id', 'name', 'email', 'currency'];

describe('readFieldsParameter: the fields a query asks for, in every form apps send', () => {
  it.each([
    ['nothing', {}, undefined],
    ['fields=name,id (the object order, not the asked one)', { fields: 'name,id' }, ['id', 'name']],
    ['fields= empty', { fields: '' }, undefined],
    ['fields=, only commas', { fields: ' , ' }, undefined],
    ['unknown names only', { fields: 'nope' }, []],
    ['repeated fields=: its last value, as every parameter', { fields: ['email', 'name'] }, ['name']],
    ['fields[]=name&fields[]=id', { 'fields[]': ['name', 'id'] }, ['id', 'name']],
    ['one fields[]=name (a string, not an array)', { 'fields[]': 'name' }, ['name']],
    ['fields[]=name,email (a comma list inside)', { 'fields[]': 'name,email' }, ['name', 'email']],
    ['fields[0]=name&fields[1]=currency (qs indices)', { 'fields[0]': 'name', 'fields[1]': 'currency' }, ['name', 'currency']],
    ['fields[]= empty', { 'fields[]': '' }, undefined],
    ['fields=name&fields[]=currency: all of them', { fields: 'name', 'fields[]': 'currency' }, ['name', 'currency']],
    ['fields[x]= is no field list', { 'fields[x]': 'name' }, undefined],
    ['fieldsx[]= is another parameter', { 'fieldsx[]': 'name' }, undefined],
  ] as const)('%s', (_name, query, expected) => {
    expect(readFieldsParameter(query, KNOWN)).toEqual(expected);
  });
});
