import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { type Seed, SeedSchema } from './seed-schema.js';
import { SeedError } from './seed-error.js';
import { schemaProblems } from './schema-problems.js';

/** Reads a seed file: YAML for .yaml and .yml, JSON otherwise; checked against SeedSchema. Errors name it as given. */
export async function readSeedFile(path: string): Promise<Seed> {
  const source = path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SeedError(source, [`cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  const yaml = ['.yaml', '.yml'].includes(extname(path).toLowerCase());
  let value: unknown;
  try {
    // The YAML parser is loaded only for a YAML file.
    value = yaml ? (await import('yaml')).parse(text) : JSON.parse(text);
  } catch (err) {
    throw new SeedError(source, [`not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message.split('\n')[0]!.replace(/:$/, '')}`]);
  }
  return checkSeed(value ?? {}, source);
}

/** The seed's shape, every problem named by its place (`shops[0].tokens[1].scopes[0]`). */
export function checkSeed(value: unknown, source: string): Seed {
  if (Value.Check(SeedSchema, value)) return value;
  throw new SeedError(source, schemaProblems(SeedSchema, value, ''));
}
