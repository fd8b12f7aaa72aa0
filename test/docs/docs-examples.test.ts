import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VARIANT_SIZES } from '../../src/config.js';
import { parseVariantSpec } from '../../src/imaging/variant-spec.js';
import { DOC_FILES } from '../support/doc-examples.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCS = DOC_FILES;
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

  it('every file and folder the docs name in backticks exists (`src/storage/hot-reads.ts`, `image-service.ts`, `fast-read/`)', () => {
    const all = files(ROOT);
    // Named as what it was before: "(then `src/server/hot-answers.ts`, now `src/server/fast-read/`)".
    const FORMER: Record<string, string> = { 'src/server/hot-answers.ts': '(then `src/server/hot-answers.ts`, now `src/server/fast-read/`)' };
    const missing: string[] = [];
    let named = 0;
    for (const doc of DOCS) {
      for (const m of text(doc).matchAll(/`([\w-][\w.-]*(?:\/[\w.-]+)*(?:\.(?:ts|mjs|js|json|md)|\/))`/g)) {
        const name = m[1]!;
        named++;
        if (name === 'dist/') continue; // made by the build
        if (FORMER[name] && text(doc).replace(/\s*\n\s*/g, ' ').includes(FORMER[name]!)) continue;
        if (!all.some((path) => path === name || path.endsWith(`/${name}`))) missing.push(`${doc}: ${name}`);
      }
    }
    expect(named).toBeGreaterThan(50);
    expect(missing).toEqual([]);
  });

  it("every folder and file of the README's Layout block exists where it says", () => {
    const block = /## Layout\n\n```\n([\s\S]*?)```/.exec(text('README.md'))![1]!;
    const missing: string[] = [];
    let folder = '';
    for (const line of block.split('\n')) {
      const lead = /^([\w-]+\/(?:[\w*.-]+(?:\.ts|\/))?)\s/.exec(line)?.[1];
      if (lead) folder = lead.includes('*') ? lead.slice(0, lead.indexOf('/') + 1) : lead;
      const under = files(join(ROOT, folder));
      for (const [name] of line.slice(lead ? lead.length : 0).matchAll(/\b[\w-]+(?:\.ts|\/)(?=[\s:,)]|$)/g)) {
        if (!under.some((path) => path === name || path.endsWith(`/${name}`) || path === name.replace(/\/$/, ''))) missing.push(`${folder} ${name}`);
      }
      if (lead && !lead.includes('*') && !existsSync(join(ROOT, lead))) missing.push(lead);
    }
    expect(missing).toEqual([]);
  });

  it('every identifier the docs name in backticks (`planBlobResponse`, `ImageService.get`, `IMAGES_PER_REQUEST`, `InvalidParameter`) is in the code', () => {
    const code = files(ROOT)
      .filter((path) => /\.(ts|mjs|js|json)$|Dockerfile$|\.service$/.test(path))
      .map((path) => readFileSync(join(ROOT, path), 'utf8'))
      .join('\n');
    const missing: string[] = [];
    let named = 0;
    for (const doc of DOCS) {
      for (const m of text(doc).matchAll(/`([^`\n]+)`/g)) {
        // camelCase, PascalCase with a capital inside, or UPPER_SNAKE; a call's arguments or a member after a dot aside.
        const id = /^([a-z]+[A-Z]\w*|[A-Z][a-z]+[A-Z]\w*|[A-Z][A-Z0-9]*_[A-Z0-9_]+)(?:\.\w+)?(?:\(.*\))*$/.exec(m[1]!)?.[1];
        if (!id) continue;
        named++;
        if (!new RegExp(`\\b${id}\\b`).test(code)) missing.push(`${doc}: ${m[1]}`);
      }
    }
    expect(named).toBeGreaterThan(80);
    expect(missing).toEqual([]);
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

  it("every link's #anchor is a heading of its target, as GitHub makes anchors", () => {
    const anchors = (path: string) =>
      [...readFileSync(path, 'utf8').matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
        m[1]!
          .toLowerCase()
          .replace(/[^\p{L}\p{N}\s_-]/gu, '')
          .replace(/\s/g, '-'),
      );
    const broken: string[] = [];
    let linked = 0;
    for (const doc of DOCS) {
      for (const m of text(doc).matchAll(/\]\(([^)#\s]*)#([^)\s]+)\)/g)) {
        const path = m[1] ? resolve(dirname(join(ROOT, doc)), m[1]) : join(ROOT, doc);
        linked++;
        if (!existsSync(path) || !anchors(path).includes(m[2]!)) broken.push(`${doc}: ${m[1]}#${m[2]}`);
      }
    }
    expect(linked).toBeGreaterThan(1);
    expect(broken).toEqual([]);
  });
});

/** Every file and folder (`dir/`) under `dir`, relative to it, outside node_modules, .git and dist. */
function files(dir: string, prefix = ''): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (['node_modules', '.git', 'dist'].includes(entry)) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(`${prefix}${entry}/`, ...files(path, `${prefix}${entry}/`));
    else found.push(`${prefix}${entry}`);
  }
  return found;
}
