import { ProductCreateBody } from '../contract/schemas.js';
import { parseProductCreate } from '../contract/product-body.js';
import { SCOPES } from '../domain/scopes.js';
import { DomainError } from '../domain/errors.js';
import type { ProductService } from '../domain/product-service.js';
import type { ShopService } from '../domain/shop-service.js';
import { isUuid } from '../domain/uuid.js';
import type { RecordKind } from '../storage/record-ids.js';
import type { SeededIds } from './seeded-ids.js';
import { SeedError } from './seed-error.js';
import type { Seed, SeedShop } from './seed-schema.js';

/** A seeded store and the tokens apps may call it with. */
export interface SeededShop {
  subdomain: string;
  tokens: string[];
}

export interface SeedServices {
  shops: ShopService;
  products: ProductService;
  ids: SeededIds;
}

type Fields = Record<string, unknown>;

const PRODUCT = ProductCreateBody.properties.product;
/** The fields a seed's product, image, variant and option may have: the API's create shapes (a list, or null), and `id`. */
const ALLOWED = {
  product: fieldsOf(PRODUCT.properties),
  images: fieldsOf(PRODUCT.properties.images.anyOf[0].items.properties),
  variants: fieldsOf(PRODUCT.properties.variants.anyOf[0].items.properties),
  options: fieldsOf(PRODUCT.properties.options.anyOf[0].items.properties),
};
/** The lists of a product whose entries may carry their own ids, and the records they make. */
const LISTS = { images: 'image', variants: 'variant', options: 'option' } as const satisfies Record<string, RecordKind>;

/**
 * Creates the seed's stores, tokens and products through the same services and readers the API
 * uses, so a seed is held to the platform's rules and messages. Ids a seed gives are planned for
 * the records they name; the others come from the random seed. `source` names the seed in errors.
 */
export async function applySeed(seed: Seed, services: SeedServices, source: string): Promise<SeededShop[]> {
  checkGivenValues(seed, source);
  const seeded: SeededShop[] = [];
  for (const [i, shop] of (seed.shops ?? []).entries()) seeded.push(await seedShop(shop, `shops[${i}]`, services, source));
  return seeded;
}

async function seedShop(shop: SeedShop, place: string, { shops, products, ids }: SeedServices, source: string): Promise<SeededShop> {
  const named = `${place} (${JSON.stringify(shop.subdomain)})`;
  if (shop.id) ids.plan('shop', [shop.id.toLowerCase()]);
  const { subdomain, tokens: _tokens, products: _products, id: _id, ...details } = shop;
  const created = await inPlace(source, named, () => shops.create(subdomain, details));
  const tokens: string[] = [];
  for (const given of shop.tokens ?? [{}]) {
    const { token } = await shops.createFixedToken(created.subdomain, given.token ?? ids.token(), given.scopes ?? SCOPES);
    tokens.push(token);
  }
  for (const [j, product] of (shop.products ?? []).entries()) {
    const entry = product as Fields;
    const where = `${place}.products[${j}]`;
    const input = plannedProduct(entry, where, ids, source);
    await inPlace(source, `${where}${typeof entry.title === 'string' ? ` (${JSON.stringify(entry.title)})` : ''}`, async () => {
      await products.create(created.id, parseProductCreate({ product: input }));
      const unused = ids.unused();
      if (unused.length > 0) throw new DomainError('Validation', unused.map(({ kind, ids: left }) => `${left.length} ${kind} id(s) given were not used: ${left.join(', ')}`));
    });
  }
  return { subdomain: created.subdomain, tokens };
}

/**
 * The product without its ids and their places checked; each id is planned for the record it
 * names. Entries without an id get the random seed's next one, so the others keep their places.
 */
function plannedProduct(entry: Fields, where: string, ids: SeededIds, source: string): Fields {
  const problems = unknownFields(entry, ALLOWED.product, where);
  const { id, ...product } = entry;
  ids.plan('product', [typeof id === 'string' ? id.toLowerCase() : ids.next('product')]);
  for (const [list, kind] of Object.entries(LISTS) as Array<[keyof typeof LISTS, RecordKind]>) {
    const items = product[list];
    if (!Array.isArray(items)) continue;
    const planned: string[] = [];
    product[list] = items.map((item: unknown, k) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
      problems.push(...unknownFields(item as Fields, ALLOWED[list], `${where}.${list}[${k}]`));
      const { id: given, ...rest } = item as Fields;
      planned.push(typeof given === 'string' ? given.toLowerCase() : ids.next(kind));
      return rest;
    });
    ids.plan(kind, planned);
  }
  if (problems.length > 0) {
    ids.unused();
    throw new SeedError(source, problems);
  }
  return product;
}

function unknownFields(fields: Fields, allowed: readonly string[], where: string): string[] {
  return Object.keys(fields)
    .filter((key) => !allowed.includes(key))
    .map((key) => `${where}.${key}: unknown field (allowed: ${allowed.join(', ')})`);
}

/** Every id a seed gives is a UUID used once, and every token value is used once. */
function checkGivenValues(seed: Seed, source: string): void {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const check = (value: unknown, where: string, what: 'id' | 'token') => {
    if (value === undefined) return;
    if (what === 'id' && !isUuid(value)) return problems.push(`${where}: must be a UUID, got ${JSON.stringify(value)}`);
    const key = `${what}:${String(value).toLowerCase()}`;
    const first = seen.get(key);
    if (first) problems.push(`${where}: the same ${what} as ${first}`);
    else seen.set(key, where);
  };
  for (const [i, shop] of (seed.shops ?? []).entries()) {
    check(shop.id, `shops[${i}].id`, 'id');
    for (const [t, token] of (shop.tokens ?? []).entries()) check(token.token, `shops[${i}].tokens[${t}].token`, 'token');
    for (const [j, product] of (shop.products ?? []).entries()) {
      const entry = product as Fields;
      check(entry.id, `shops[${i}].products[${j}].id`, 'id');
      for (const list of Object.keys(LISTS)) {
        const items = entry[list];
        if (!Array.isArray(items)) continue;
        items.forEach((item: unknown, k) => {
          if (typeof item === 'object' && item !== null) check((item as Fields).id, `shops[${i}].products[${j}].${list}[${k}].id`, 'id');
        });
      }
    }
  }
  if (problems.length > 0) throw new SeedError(source, problems);
}

/** Runs a step of the seed; the platform's messages it refuses with are prefixed with the entry. */
async function inPlace<T>(source: string, where: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof DomainError) throw new SeedError(source, [`${where}: ${err.messages.join('; ') || err.code}`]);
    throw err;
  }
}

function fieldsOf(properties: object): readonly string[] {
  return [...Object.keys(properties), 'id'];
}
