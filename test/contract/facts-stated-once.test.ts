import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Every line of code (comments left out) of src/ and web/, with where it is. */
function codeLines(): Array<{ where: string; text: string }> {
  const lines: Array<{ where: string; text: string }> = [];
  for (const folder of ['src', 'web']) {
    for (const file of readdirSync(`${ROOT}${folder}`, { recursive: true, encoding: 'utf8' })) {
      if (!/\.(ts|js|html)$/.test(file)) continue;
      const path = `${folder}/${file}`;
      readFileSync(`${ROOT}${path}`, 'utf8')
        .split('\n')
        .forEach((text, i) => {
          if (!/^\s*(\*|\/\/|\/\*)/.test(text)) lines.push({ where: `${path}:${i + 1}`, text });
        });
    }
  }
  return lines;
}

/** A fact as code writes it (a string starting with it), and the only files that may. */
const FACTS = [
  { fact: 'the API prefix /openapi', literal: /['"`]\/openapi(?!\.json)/, declaredIn: ['src/contract/api-path.ts', 'src/client/generated/routes.ts'] },
  { fact: "the admin API's root", literal: /['"`]\/__prodimg\/admin\/api/, declaredIn: ['src/server/admin/admin-api.ts'] },
];

describe('facts written once in src/ and web/', () => {
  const lines = codeLines();
  it.each(FACTS)('$fact: only where it is declared', ({ literal, declaredIn }) => {
    const found = lines.filter((line) => literal.test(line.text));
    expect(found.length).toBeGreaterThan(0);
    expect(found.filter((line) => !declaredIn.includes(line.where.split(':')[0]!)).map((line) => `${line.where}: ${line.text.trim()}`)).toEqual([]);
  });
});
