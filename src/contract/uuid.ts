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
}

const declared = new WeakMap<TObject, PathId[]>();

function idsOf(schema: TObject): PathId[] {
  let ids = declared.get(schema);
  if (!ids) {
    ids = Object.keys(schema.properties).map((name) => {
      const words = name.split('_');
      const key = words.map((word, i) => (i === 0 ? word : word[0]!.toUpperCase() + word.slice(1))).join('');
      return { name, key, label: key[0]!.toUpperCase() + key.slice(1) };
    });
    declared.set(schema, ids);
  }
  return ids;
}

/**
 * Checks the UUIDs a path declares (`schema`, in path order), reporting every bad one in that order
 * as the platform does ("ProductId must be a valid UUID", "ImageId must be a valid UUID"); returns
 * them in lower case, as stored.
 */
export function readPathIds<P extends TObject>(schema: P, params: Readonly<Record<string, unknown>>): PathIds<Static<P>> {
  const problems: string[] = [];
  const ids: Record<string, string> = {};
  for (const { name, key, label } of idsOf(schema)) {
    const value = params[name];
    if (isUuid(value)) ids[key] = value.toLowerCase();
    else problems.push(`${label} must be a valid UUID`);
  }
  if (problems.length > 0) throw validation(problems);
  return ids as PathIds<Static<P>>;
}
