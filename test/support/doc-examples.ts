import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Helpers for the suites that check the docs' examples against the real thing (test/docs). */

/** Every doc whose examples are checked: the README, the bench's, and every page of docs/. */
export const DOC_FILES: readonly string[] = [
  'README.md',
  'bench/README.md',
  ...readdirSync(join(fileURLToPath(new URL('../..', import.meta.url)), 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** An example as a pattern: `"..."`, `"<text>"`, `...`, and bare words (`n`, `next`) match anything; `"a"|"b"` either. */
export function answerPattern(example: string): RegExp {
  const parts: string[] = [];
  let alternate = false;
  const push = (piece: string) => {
    if (alternate) parts.push(`(?:${parts.pop()}|${piece})`);
    else parts.push(piece);
    alternate = false;
  };
  for (let i = 0; i < example.length; ) {
    const rest = example.slice(i);
    const string = /^"(?:[^"\\]|\\.)*"/.exec(rest)?.[0];
    const word = /^[a-z_]+/i.exec(rest)?.[0];
    if (string) {
      push(string === '"..."' || /^"<[^>]*>"$/.test(string) ? '"(?:[^"\\\\]|\\\\.)*"' : escape(string));
      i += string.length;
    } else if (rest.startsWith('...')) {
      push('.*');
      i += 3;
    } else if (word) {
      push(['true', 'false', 'null'].includes(word) ? word : '(?:-?[\\d.]+|"(?:[^"\\\\]|\\\\.)*")');
      i += word.length;
    } else if (rest[0] === '|') {
      alternate = true;
      i += 1;
    } else {
      if (!/\s/.test(rest[0]!)) push(escape(rest[0]!));
      i += 1;
    }
  }
  return new RegExp(`^${parts.join('')}$`);
}

/** A run of concatenated JSON documents (what `curl -s` lines print one after another) split into each document. */
export function jsonDocuments(output: string): string[] {
  const documents: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < output.length; i++) {
    const c = output[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth++ === 0) start = i;
    } else if ((c === '}' || c === ']') && --depth === 0) documents.push(output.slice(start, i + 1));
  }
  return documents;
}
