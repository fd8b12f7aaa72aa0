import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isBlobName } from '../../src/imaging/blob-store.js';
import { createLocalBlobStore } from '../../src/imaging/local-blob-store.js';
import { HOSTILE_NAMES, listAll } from './blob-store-suite.js';

const H = '0123456789abcdef0123456789abcdef';

describe('blob names of cached variants', () => {
  it.each([
    [`${H}.jpg`, true],
    [`${H}_400x.jpg`, true],
    [`${H}_x300.png`, true],
    [`${H}_x.webp`, true],
    [`${H}_400x300.avif`, true],
    [`${H}_400x300_c.webp`, true],
    [`${H}_400x300_c.gif`, true],
    [`${H}_c.webp`, false],
    [`${H}_400x300_c_c.webp`, false],
    [`${H}_400x300_C.webp`, false],
    [`${H}_400x300_crop.webp`, false],
    [`${H}_400x300_c.webp/../x`, false],
    [`${H}_400x300_c`, false],
    ...HOSTILE_NAMES.map((name) => [name, false] as const),
  ] as const)('%j: %s', (name, expected) => {
    expect(isBlobName(name)).toBe(expected);
  });

  it('deleteFamily removes cropped variants with their original', async () => {
    const root = await mkdtemp(join(tmpdir(), 'prodimg-blob-name-'));
    try {
      const store = createLocalBlobStore(root);
      const family = [`${H}.jpg`, `${H}_400x300_c.webp`, `${H}_x.avif`];
      const other = `${'f'.repeat(32)}_400x300_c.webp`;
      for (const name of [...family, other]) await store.put(name, Buffer.from(name));
      expect(await store.deleteFamily(H)).toBe(family.length);
      expect(await listAll(store)).toEqual([other]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
