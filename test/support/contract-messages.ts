import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The messages docs/contract.md quotes, for the suites that check answers against them. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONTRACT = readFileSync(join(ROOT, 'docs/contract.md'), 'utf8');

const MESSAGE = / must | can't | is too | not found|does not belong|is not allowed|are already taken|is invalid|^Bad Request:|^Request Header|invalid character|needs an image|at least one variant|only its default variant|not in the image library|too many sources/;

/** Message spans of docs/contract.md outside its tables: those with a message's words, and `... x` continuations. */
export function messageSpans(options: { tables?: boolean } = {}): string[] {
  const prose = CONTRACT.replace(/^```[\s\S]*?^```/gm, '')
    .split('\n')
    .filter((line) => options.tables || !line.trimStart().startsWith('|'))
    .join('\n');
  const spans = new Set<string>();
  for (const m of prose.matchAll(/`([^`]+)`/g)) {
    const span = m[1]!.replace(/\s*\n\s*/g, ' ');
    if (!span.startsWith('{') && (MESSAGE.test(span) || span.startsWith('... '))) spans.add(span);
  }
  return [...spans];
}

/**
 * A quoted message as a pattern: `<id>` any text, `A|B` either word, a leading `... ` any field (and
 * then the `(maximum is ...)` the doc leaves out may follow), a trailing ` ...` anything.
 */
export function messagePattern(span: string): RegExp {
  const body = span
    .replace(/[.*+?^${}()[\]\\]/g, '\\$&')
    .replace(/ \\\.\\\.\\\.$/, ' .*')
    .replace(/^\\\.\\\.\\\. (.*)$/, '.+ $1(?: \\(.*\\))?')
    .replace(/<[^>]+>/g, '.+')
    .replace(/\b(\w+(?:\|\w+)+)\b/g, '(?:$1)');
  return new RegExp(`^${body}$`);
}

/** Whether `message` is one docs/contract.md lists, in its prose or its tables of fields. */
export function listedInContract(message: string): boolean {
  return LISTED.some((pattern) => pattern.test(message));
}
const LISTED = messageSpans({ tables: true }).map(messagePattern);
