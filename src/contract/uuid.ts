import type { Static, TObject } from '@sinclair/typebox';
import { validation } from '../domain/errors.js';
import { isUuid } from '../domain/uuid.js';

type Camel<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;

/** The ids a path declares, by camel-case name: `{ productId, imageId }` for `product_id`, `image_id`. */
export type PathIds<P> = { [K in keyof P & string as Camel<K>]: string };

interface PathId {
  name: string;
  key: string;
  /** How the platform names it in a message: `ProductId`. */
  label: string;
  /** Declared `format: 'uuid'`: read as one. */
  uuid: boolean;
}

/** Whether the path id `name` of `schema` is declared a UUID. */
export function isUuidId(schema: TObject, name: string): boolean {
  return (schema.properties[name] as { format?: unknown } | undefined)?.format === 'uuid';
}

const declared = new WeakMap<TObject, PathId[]>();

function idsOf(schema: TObject): PathId[] {
  let ids = declared.get(schema);
  if (!ids) {
    ids = Object.keys(schema.properties).map((name) => {
      const words = name.split('_');
      const key = words.map((word, i) => (i === 0 ? word : word[0]!.toUpperCase() + word.slice(1))).join('');
      return { name, key, label: key[0]!.toUpperCase() + key.slice(1), uuid: isUuidId(schema, name) };
    });
    declared.set(schema, ids);
  }
  return ids;
}

/**
 * Checks the UUIDs a path declares (`schema`, in path order), reporting every bad one in that order
 * as the platform does ("ProductId must be a valid UUID", "ImageId must be a valid UUID"); returns
 * them in lower case, as stored. An id not declared `format: 'uuid'` (the shop's, whose wrong values
 * are all "not found") is returned as sent, for the use case to judge.
 */
export function readPathIds<P extends TObject>(schema: P, params: Readonly<Record<string, unknown>>): PathIds<Static<P>> {
  const problems: string[] = [];
  const ids: Record<string, string> = {};
  for (const { name, key, label, uuid } of idsOf(schema)) {
    const value = params[name];
    if (!uuid) ids[key] = String(value ?? '');
    else if (isUuid(value)) ids[key] = value.toLowerCase();
    else problems.push(`${label} must be a valid UUID`);
  }
  if (problems.length > 0) throw validation(problems);
  return ids as PathIds<Static<P>>;
}
