import * as op from '../../contract/operations/variants.js';
import type { VariantService } from '../../domain/variant-service.js';
import { bind, type Binding } from '../binding.js';

export function variantBindings(variants: VariantService): Binding[] {
  return [
    bind(op.listVariants, { run: ({ path }, { shopId }) => variants.list(shopId, path.productId) }),
    bind(op.countVariants, { run: ({ path }, { shopId }) => variants.count(shopId, path.productId) }),
    bind(op.getVariant, { run: ({ path }, { shopId }) => variants.get(shopId, path.variantId) }),
    bind(op.createVariant, { run: ({ path, input }, { shopId }) => variants.create(shopId, path.productId, input) }),
    bind(op.updateVariant, { run: ({ path, input }, { shopId }) => variants.update(shopId, path.variantId, input) }),
    bind(op.deleteVariant, { run: ({ path }, { shopId }) => variants.delete(shopId, path.productId, path.variantId) }),
  ];
}
