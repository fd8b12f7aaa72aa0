import { recordNotFound } from './errors.js';
import type { Variant, VariantInput } from './entities.js';
import type { Clock, VariantRepository } from './ports.js';

/** The variant use cases. Input arrives validated; the repository checks what needs the stored product. */
export class VariantService {
  constructor(
    private readonly variants: VariantRepository,
    private readonly clock: Clock,
  ) {}

  async list(shopId: string, productId: string): Promise<Variant[]> {
    return found(await this.variants.list(shopId, productId));
  }

  async count(shopId: string, productId: string): Promise<number> {
    return found(await this.variants.count(shopId, productId));
  }

  async get(shopId: string, variantId: string): Promise<Variant> {
    return found(await this.variants.get(shopId, variantId));
  }

  async create(shopId: string, productId: string, input: VariantInput): Promise<Variant> {
    return found(await this.variants.create(shopId, productId, input, this.clock()));
  }

  async update(shopId: string, variantId: string, input: VariantInput): Promise<Variant> {
    return found(await this.variants.update(shopId, variantId, input, this.clock()));
  }

  async delete(shopId: string, productId: string, variantId: string): Promise<void> {
    const result = await this.variants.delete(shopId, productId, variantId, this.clock());
    if (result !== 'deleted') throw recordNotFound();
  }
}

function found<T>(value: T | null): T {
  if (value === null) throw recordNotFound();
  return value;
}
