import fc from 'fast-check';

type Schema = Record<string, any>;

/** Values for a field, where the schema alone would only give random text (a `src` must be a URL to be stored). */
export type Overrides = Readonly<Record<string, fc.Arbitrary<unknown>>>;

/**
 * Values a JSON schema (as TypeBox writes it) accepts: objects with their required and some optional
 * properties, unions, literals, enums, bounded strings, numbers and arrays kept short.
 */
export function valueOf(schema: Schema, overrides: Overrides = {}, key?: string): fc.Arbitrary<unknown> {
  if (key !== undefined && overrides[key]) return overrides[key]!;
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.anyOf) return fc.oneof(...(schema.anyOf as Schema[]).map((branch) => valueOf(branch, overrides, key)));
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  switch (schema.type) {
    case 'object': {
      const properties = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([name, property]) => [name, valueOf(property as Schema, overrides, name)]));
      return fc.record(properties, { requiredKeys: schema.required ?? [] });
    }
    case 'array':
      return fc.array(valueOf(schema.items, overrides), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 3, 3) });
    case 'string': {
      if (schema.format === 'uuid') return fc.uuid();
      if (schema.format === 'uri') return fc.webUrl();
      if (schema.format === 'date-time') return fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((date) => date.toISOString());
      const max = Math.min(schema.maxLength ?? 12, 12);
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter((text) => text.length <= (schema.maxLength ?? Infinity));
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.max(max, schema.minLength ?? 0) });
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1_000_000 });
    case 'number': {
      // Decimals as clients write them (19.9, 0.25): a step of multipleOf, else of 0.001.
      const step = schema.multipleOf ?? 0.001;
      const places = String(step).split('.')[1]?.length ?? 0;
      const max = Math.min(schema.maximum ?? 1000, 1_000_000);
      return fc.integer({ min: Math.ceil((schema.minimum ?? -1000) / step), max: Math.floor(max / step) }).map((n) => Number((n * step).toFixed(places)));
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue();
  }
}

/** One change to a valid body: a field of the wrong type, a field dropped, a field added, a text too long. */
export type Mutation =
  | { kind: 'type'; path: string[]; value: unknown }
  | { kind: 'drop'; path: string[] }
  | { kind: 'extra'; path: string[]; value: unknown }
  | { kind: 'long'; path: string[]; length: number };

const WRONG_TYPES = [1.5, -3, 0, 'x', '', true, {}, [], null, 4_000_000_000];

/** Every mutation of the object fields in `schema`, below `path`, for fast-check to pick from. */
export function mutationsOf(schema: Schema, path: string[] = []): Mutation[] {
  const out: Mutation[] = [];
  if (schema.type === 'object') {
    out.push({ kind: 'extra', path: [...path, 'unexpected_field'], value: 'x' });
    for (const [name, property] of Object.entries(schema.properties ?? {}) as Array<[string, Schema]>) {
      const at = [...path, name];
      out.push({ kind: 'drop', path: at });
      for (const value of WRONG_TYPES) out.push({ kind: 'type', path: at, value });
      for (const branch of property.anyOf ?? [property]) {
        if (branch.type === 'string' && branch.maxLength !== undefined) out.push({ kind: 'long', path: at, length: branch.maxLength + 1 });
      }
      if (property.type === 'object') out.push(...mutationsOf(property, at));
    }
  }
  return out;
}

/** The body with `mutation` applied (a copy). */
export function mutate(body: unknown, mutation: Mutation): unknown {
  const copy = structuredClone(body) as Record<string, any>;
  let target = copy;
  for (const name of mutation.path.slice(0, -1)) {
    if (typeof target[name] !== 'object' || target[name] === null || Array.isArray(target[name])) target[name] = {};
    target = target[name];
  }
  const last = mutation.path.at(-1)!;
  if (mutation.kind === 'drop') delete target[last];
  else if (mutation.kind === 'long') target[last] = 'x'.repeat(mutation.length);
  else target[last] = mutation.value;
  return copy;
}
