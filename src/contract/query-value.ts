/** A query parameter's value as a string; when it is repeated (`a=1&a=2`), the last one, as most servers read it. */
export function lastValue(query: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = query[key];
  return Array.isArray(value) ? String(value[value.length - 1]) : value === undefined ? undefined : String(value);
}
