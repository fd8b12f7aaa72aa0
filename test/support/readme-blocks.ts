import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The lines of the first ```sh block under the README heading `heading` (`### Several servers`), blank ones left out. */
export function readmeShellBlock(heading: string): string[] {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  const at = readme.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README.md has no heading "${heading}"`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))![1]!;
  return block.split('\n').filter((line) => line.trim() !== '');
}

/** `export A=1 B=2` as its assignments, in order; null for a line that is not one. */
export function exportedSettings(line: string): Array<[string, string]> | null {
  if (!line.startsWith('export ')) return null;
  return line
    .slice('export '.length)
    .trim()
    .split(/\s+/)
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals <= 0) throw new Error(`not NAME=value in "${line}": ${pair}`);
      return [pair.slice(0, equals), pair.slice(equals + 1)];
    });
}
