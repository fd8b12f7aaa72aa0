/**
 * `fields=id,title` on the product list and the shop: only those fields in each answered object, in
 * the object's usual order; names it does not know are ignored, as the platform does.
 */
export function parseFieldsParameter(raw: string | undefined, known: readonly string[]): readonly string[] | undefined {
  if (!raw) return undefined;
  const asked = new Set(raw.split(',').map((name) => name.trim()));
  return known.filter((name) => asked.has(name));
}

export function onlyFields<T extends object>(object: T, fields: readonly string[] | undefined): Partial<T> {
  if (fields === undefined) return object;
  return Object.fromEntries(fields.map((name) => [name, object[name as keyof T]])) as Partial<T>;
}
