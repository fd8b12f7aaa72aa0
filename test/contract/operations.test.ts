import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, errorBodySchema } from '../../src/contract/error-catalogue.js';
import { errorsOf } from '../../src/contract/operation.js';
import { OPERATIONS } from '../../src/contract/operations/index.js';
import { accessScopeBindings } from '../../src/server/routes/access-scopes.js';
import { productImageBindings } from '../../src/server/routes/product-images.js';
import { productBindings } from '../../src/server/routes/products.js';
import { shopBindings } from '../../src/server/routes/shop.js';
import { variantBindings } from '../../src/server/routes/variants.js';
import { webhookBindings } from '../../src/server/routes/webhooks.js';

// Only the declarations matter here; the use cases are never run.
const unused = null as never;
const bound = [...productImageBindings(unused), ...productBindings(unused), ...variantBindings(unused), ...accessScopeBindings(), ...shopBindings(unused, 'unused'), ...webhookBindings(unused)];

describe('the operation declarations', () => {
  it('lists every operation once, each with its own id and method + path', () => {
    expect(new Set(OPERATIONS.map((op) => op.id)).size).toBe(OPERATIONS.length);
    expect(new Set(OPERATIONS.map((op) => `${op.method} ${op.path}`)).size).toBe(OPERATIONS.length);
  });

  it('has every declared operation bound by the server exactly once, and nothing else', () => {
    expect(bound.map((binding) => binding.operation.id).sort()).toEqual(OPERATIONS.map((op) => op.id).sort());
  });

  it.each(OPERATIONS.map((op) => [op.id, op] as const))('%s documents errors the catalogue can answer in every family', (_id, op) => {
    const errors = errorsOf(op);
    expect(errors).toEqual(expect.arrayContaining(['Unauthorized', 'StoreInactive', 'Internal']));
    if (op.body) expect(errors).toEqual(expect.arrayContaining(['BadRequest', 'PayloadTooLarge', 'Validation']));
    for (const code of errors) {
      expect(ERROR_CATALOGUE[code], code).toBeDefined();
      expect(errorBodySchema('classic', code)).toHaveProperty('type', 'object');
      expect(errorBodySchema('envelope', code)).toHaveProperty('properties.code.const', ERROR_CATALOGUE[code].envelope.code);
    }
  });
});
