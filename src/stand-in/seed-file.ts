import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { type Seed, SeedSchema } from './seed-schema.js';
import { SeedError } from './seed-error.js';

/** Reads a seed file: YAML for .yaml and .yml, JSON otherwise; checked against SeedSchema. */
export function readSeedFile(path: string): Seed {
  const source = basename(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SeedError(source, [`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  const yaml = ['.yaml', '.yml'].includes(extname(path).toLowerCase());
  let value: unknown;
  try {
    value = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new SeedError(source, [`not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message.split('\n')[0]}`]);
  }
  return checkSeed(value ?? {}, source);
}

/** The seed's shape, every problem named by its place (`shops[0].tokens[1].scopes[0]`). */
export function checkSeed(value: unknown, source: string): Seed {
  if (Value.Check(SeedSchema, value)) return value;
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(SeedSchema, value)) {
    const place = placeOf(error.path);
    // A union reports each branch; the first says enough.
    if (seen.has(place)) continue;
    seen.add(place);
    problems.push(`${place}: ${describe(error)}`);
  }
  throw new SeedError(source, problems);
}

/** `/shops/0/tokens/1` as `shops[0].tokens[1]`. */
function placeOf(pointer: string): string {
  if (pointer === '') return 'the seed';
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((place, part) => (/^\d+$/.test(part) ? `${place}[${part}]` : place ? `${place}.${part}` : part), '');
}

function describe(error: { message: string; schema: { description?: string; pattern?: string; anyOf?: unknown[] }; value: unknown }): string {
  if (error.value === undefined) return 'is required';
  const allowed = error.schema.anyOf?.flatMap((branch) => ((branch as { const?: unknown }).const !== undefined ? [JSON.stringify((branch as { const: unknown }).const)] : []));
  if (allowed && allowed.length > 0) return `must be one of ${allowed.join(', ')}, got ${JSON.stringify(error.value)}`;
  return `${error.message.toLowerCase()}, got ${JSON.stringify(error.value)}`;
}
