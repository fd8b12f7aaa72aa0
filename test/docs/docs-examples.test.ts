import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VARIANT_SIZES } from '../../src/config.js';
import { parseVariantSpec } from '../../src/imaging/variant-spec.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
const text = (doc: string) => readFileSync(join(ROOT, doc), 'utf8');
const SIZES = DEFAULT_VARIANT_SIZES.split(',').map(Number);
const HASH = '5d41402abc4b2a76b9719d911017c592';

describe('examples in the docs', () => {
  // Regression: docs/images.md gave `_x300` as an example, and that URL answers 400 (300 is no preset size).
  it('every resized-variant example (`_400x`, `/cdn/<md5>_400x.jpg?format=webp`) is one the server accepts', () => {
    const examples: Array<{ doc: string; name: string; query: Record<string, string> }> = [];
    for (const doc of DOCS) {
      for (const m of text(doc).matchAll(/`(_\d*x\d*)`/g)) examples.push({ doc, name: `${HASH}${m[1]}.jpg`, query: {} });
      for (const m of text(doc).matchAll(/\/cdn\/([0-9a-f]{32}_\d*x\d*\.[a-z]+)(?:\?([\w=&]+))?/g)) {
        examples.push({ doc, name: m[1]!, query: Object.fromEntries(new URLSearchParams(m[2] ?? '')) });
      }
    }
    expect(examples.length).toBeGreaterThan(2);
    const refused = examples.filter(({ name, query }) => {
      try {
        return parseVariantSpec(name, query, SIZES) === null;
      } catch {
        return true;
      }
    });
    expect(refused).toEqual([]);
  });

  it('every relative link points at a file inside the repository', () => {
    const broken: string[] = [];
    for (const doc of DOCS) {
      for (const m of text(doc).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/i.test(target)) continue;
        const path = resolve(dirname(join(ROOT, doc)), target);
        if (relative(ROOT, path).startsWith('..') || !existsSync(path)) broken.push(`${doc}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
