import { Type } from '@sinclair/typebox';
import { lastValue } from './query-value.js';

type Query = Readonly<Record<string, unknown>>;

// `fields[]=id` (jQuery, PHP, axios) and `fields[0]=id` (the `qs` package's default) arrive as keys of their own.
const ARRAY_KEY = /^fields\[\d*\]$/;

/**
 * The `fields` a product list or shop request asks for: `fields=id,title` (by its last value, as
 * every parameter), and every `fields[]=` or `fields[N]=` value beside it (each may be a comma list
 * too); all of them together. Only names of `known` are kept, in the object's usual order: names it
 * does not know are ignored, as the platform does. Undefined (every field) when none names anything.
 */
export function readFieldsParameter(query: Query, known: readonly string[]): readonly string[] | undefined {
  const lists = [lastValue(query, 'fields')];
  for (const [key, value] of Object.entries(query)) {
    if (ARRAY_KEY.test(key)) lists.push(...(Array.isArray(value) ? value : [value]).map(String));
  }
  const asked = new Set(lists.flatMap((list) => list?.split(',') ?? []).map((name) => name.trim()).filter(Boolean));
  return asked.size === 0 ? undefined : known.filter((name) => asked.has(name));
}

/** The query parameters that carry `fields`, for an operation's query schema (and so its OpenAPI parameters). */
export function fieldsQuery(example: string) {
  return {
    fields: Type.Optional(Type.String({ description: `comma-separated fields to answer, e.g. ${example}` })),
    'fields[]': Type.Optional(
      Type.Array(Type.String(), { description: `the same as an array: fields[]=${example.split(',').join('&fields[]=')} (fields[0]=... too); given with fields, all of them count` }),
    ),
  };
}

export function onlyFields<T extends object>(object: T, fields: readonly string[] | undefined): Partial<T> {
  if (fields === undefined) return object;
  return Object.fromEntries(fields.map((name) => [name, object[name as keyof T]])) as Partial<T>;
}
