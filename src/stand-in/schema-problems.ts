import type { TSchema } from '@sinclair/typebox';
import { Value, type ValueError } from '@sinclair/typebox/value';

/**
 * Every way `value` misses `schema`, each named by its place (`shops[0].tokens[1].scopes[0]`) after
 * `root`, in words a person fixing a seed file or a fault can act on.
 */
export function schemaProblems(schema: TSchema, value: unknown, root: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, value)) {
    const place = placeOf(error.path, root);
    // A union reports each branch; the first says enough.
    if (seen.has(place)) continue;
    seen.add(place);
    problems.push(`${place}: ${describe(error)}`);
  }
  return problems;
}

/** `/shops/0/tokens/1` as `shops[0].tokens[1]`, after `root` when there is one. */
function placeOf(pointer: string, root: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((place, part) => (/^\d+$/.test(part) ? `${place}[${part}]` : place ? `${place}.${part}` : part), root) || 'the seed';
}

function describe(error: ValueError): string {
  if (error.value === undefined) return 'is required';
  const allowed = (error.schema as { anyOf?: unknown[] }).anyOf?.flatMap((branch) => {
    const constant = (branch as { const?: unknown }).const;
    return constant === undefined ? [] : [JSON.stringify(constant)];
  });
  if (allowed && allowed.length > 0) return `must be one of ${allowed.join(', ')}, got ${JSON.stringify(error.value)}`;
  return `${error.message.toLowerCase()}, got ${JSON.stringify(error.value)}`;
}
