import { createHash } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BlobStore, InvalidBlobName } from '../../src/imaging/blob-store.js';

export interface BlobStoreFixture {
  store: BlobStore;
  dispose(): Promise<void>;
}

/** A content-addressed name for `content`, as the ingestor builds them. */
export function nameFor(content: string | Buffer, ext = 'png', suffix = ''): string {
  return `${createHash('md5').update(content).digest('hex')}${suffix}.${ext}`;
}

export async function listAll(store: BlobStore): Promise<string[]> {
  const names: string[] = [];
  for await (const name of store.list()) names.push(name);
  return names.sort();
}

/** Names that would escape or confuse a store; every adapter must refuse them before touching storage. */
export const HOSTILE_NAMES = [
  '../x',
  '../../etc/passwd',
  'a/b',
  '/etc/passwd',
  '..',
  '',
  `${'a'.repeat(32)}.jpg/../../x`,
  `..\\${'a'.repeat(32)}.jpg`,
  `${'a'.repeat(32)}.jpg\0.png`,
  `${'a'.repeat(32)}.jpg\n`,
  `${'A'.repeat(32)}.jpg`,
  `${'a'.repeat(31)}.jpg`,
  `${'a'.repeat(32)}.exe`,
  `${'a'.repeat(32)}.JPG`,
  `.${'a'.repeat(32)}.jpg`,
];

/**
 * The behaviour every BlobStore adapter owes the rest of the service. Run it from each adapter's test
 * file with a factory that gives a fresh, empty store.
 */
export function blobStoreSuite(adapter: string, factory: () => Promise<BlobStoreFixture>): void {
  describe(`BlobStore contract: ${adapter}`, () => {
    let fixture: BlobStoreFixture;
    let store: BlobStore;
    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(() => fixture.dispose());

    const bytes = Buffer.from('first image bytes');
    const name = nameFor(bytes);

    it('gives back what was put, by get and by stream, with its size', async () => {
      await store.put(name, bytes);
      expect(await store.has(name)).toBe(true);
      expect(await store.get(name)).toEqual(bytes);
      const streamed = await store.stream(name);
      expect(streamed?.size).toBe(bytes.length);
      expect(await buffer(streamed!.body)).toEqual(bytes);
    });

    it('round-trips a 3 MiB blob through stream', async () => {
      const big = Buffer.alloc(3 * 1024 * 1024, 7);
      const bigName = nameFor(big, 'jpg');
      await store.put(bigName, big);
      const streamed = await store.stream(bigName);
      expect(streamed?.size).toBe(big.length);
      expect((await buffer(streamed!.body)).equals(big)).toBe(true);
    });

    it('answers a missing name with null or false', async () => {
      expect(await store.get(name)).toBeNull();
      expect(await store.stream(name)).toBeNull();
      expect(await store.has(name)).toBe(false);
      expect(await store.delete(name)).toBe(false);
      expect(await listAll(store)).toEqual([]);
    });

    it('deletes an original with all its variants, and nothing of another hash', async () => {
      const other = Buffer.from('another image');
      const hash = name.slice(0, 32);
      const family = [name, nameFor(bytes, 'png', '_400x'), nameFor(bytes, 'webp', '_400x'), nameFor(bytes, 'png', '_x200')];
      for (const member of family) await store.put(member, bytes);
      await store.put(nameFor(other), other);
      expect(await store.deleteFamily(hash)).toBe(family.length);
      expect(await listAll(store)).toEqual([nameFor(other)]);
      expect(await store.deleteFamily(hash)).toBe(0);
    });

    it('deletes once', async () => {
      await store.put(name, bytes);
      expect(await store.delete(name)).toBe(true);
      expect(await store.delete(name)).toBe(false);
      expect(await store.has(name)).toBe(false);
      expect(await store.get(name)).toBeNull();
      expect(await listAll(store)).toEqual([]);
    });

    it('lists every stored name once, variants included', async () => {
      const names = [name, nameFor('two', 'jpg'), nameFor('two', 'jpg', '_100x200'), nameFor('three', 'avif', '_x50')];
      for (const each of names) await store.put(each, Buffer.from(each));
      expect(await listAll(store)).toEqual([...names].sort());
    });

    it('keeps the same bytes put twice once', async () => {
      await store.put(name, bytes);
      await store.put(name, bytes);
      expect(await listAll(store)).toEqual([name]);
      expect(await store.get(name)).toEqual(bytes);
    });

    it('leaves a stored name as it is when it is put again', async () => {
      await store.put(name, bytes);
      await store.put(name, Buffer.from('other bytes'));
      expect(await store.get(name)).toEqual(bytes);
    });

    it('survives concurrent puts of the same name', async () => {
      await Promise.all(Array.from({ length: 12 }, () => store.put(name, bytes)));
      expect(await listAll(store)).toEqual([name]);
      expect(await store.get(name)).toEqual(bytes);
    });

    it('survives concurrent puts of different names', async () => {
      const contents = Array.from({ length: 12 }, (_, i) => Buffer.from(`image ${i}`));
      await Promise.all(contents.map((content) => store.put(nameFor(content), content)));
      expect(await listAll(store)).toEqual(contents.map((content) => nameFor(content)).sort());
      for (const content of contents) expect(await store.get(nameFor(content))).toEqual(content);
    });

    describe.each(HOSTILE_NAMES)('refuses the name %j', (hostile) => {
      it('in every method, before touching storage', async () => {
        await expect(store.put(hostile, bytes)).rejects.toThrow(InvalidBlobName);
        await expect(store.get(hostile)).rejects.toThrow(InvalidBlobName);
        await expect(store.stream(hostile)).rejects.toThrow(InvalidBlobName);
        await expect(store.has(hostile)).rejects.toThrow(InvalidBlobName);
        await expect(store.delete(hostile)).rejects.toThrow(InvalidBlobName);
        expect(await listAll(store)).toEqual([]);
      });
    });
  });
}
