import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CatalogueEntry } from '../../src/transfer/catalogue-entry.js';
import { InputError } from '../../src/transfer/input-error.js';
import { readCsvEntries } from '../../src/transfer/read-csv.js';
import { readJsonlEntries } from '../../src/transfer/read-jsonl.js';

async function csvEntries(text: string | Buffer): Promise<{ entries: CatalogueEntry[]; ignored: string[][] }> {
  const ignored: string[][] = [];
  const entries: CatalogueEntry[] = [];
  for await (const entry of readCsvEntries(Readable.from([text]), (header) => ignored.push(header.ignored))) entries.push(entry);
  return { entries, ignored };
}

async function jsonlEntries(text: string): Promise<CatalogueEntry[]> {
  const entries: CatalogueEntry[] = [];
  for await (const entry of readJsonlEntries(Readable.from([text]))) entries.push(entry);
  return entries;
}

describe('the spreadsheet reader', () => {
  it('numbers lines as the file does: the header is 1, a quoted field spanning lines counts them, blank lines count', async () => {
    const csv = Buffer.from('\uFEFFHANDLE,title,Body (HTML),Image Src\r\na,A,"one\r\ntwo",https://x.test/1.jpg\r\n\r\nb,B,,https://x.test/2.jpg\r\nb,,,https://x.test/3.jpg\r\n');
    const { entries, ignored } = await csvEntries(csv);
    expect(entries.map((entry) => [entry.handle, entry.lines])).toEqual([
      ['a', [2]],
      ['b', [5, 6]],
    ]);
    expect(entries[0]!.product).toEqual({ title: 'A', description: 'one\r\ntwo' });
    expect(ignored).toEqual([[]]);
  });

  it('reports the columns it does not read, once', async () => {
    const { ignored } = await csvEntries('Handle,Title,Type,Gift Card,,Variant Grams\na,A,x,y,,1\na,,,,,2\n');
    expect(ignored).toEqual([['Type', 'Gift Card']]);
  });

  // Issue 23: the spreadsheet columns the platforms have for fields prodimg stores now.
  it('reads SEO Title and Description, shipping and tax (the product\'s, from its first row) and Cost per item', async () => {
    const csv = [
      'Handle,Title,SEO Title,SEO Description,Variant Requires Shipping,Variant Taxable,Variant Price,Cost per item',
      'a,A,Shirt | Acme,A shirt,false,TRUE,10,4.5',
      'a,,,,true,false,,3',
      'b,B,,,maybe,,1,',
    ].join('\n');
    const { entries, ignored } = await csvEntries(csv);
    expect(ignored).toEqual([[]]);
    expect(entries[0]!.product).toEqual({ title: 'A', seo_title: 'Shirt | Acme', seo_description: 'A shirt', requires_shipping: false, taxable: true });
    expect(entries[0]!.variants!.map((variant) => [variant.price, variant.cost_price])).toEqual([
      ['10', '4.5'],
      [undefined, '3'],
    ]);
    expect(entries[1]!.problems).toEqual([{ line: 4, reason: 'Variant Requires Shipping must be TRUE or FALSE, got "maybe"' }]);
  });

  it('refuses a file without a Handle column, an empty file and a broken quote as a whole', async () => {
    await expect(csvEntries('Title,Image Src\nA,https://x.test/1.jpg\n')).rejects.toThrow(new InputError('the CSV has no Handle column (its header is: Title, Image Src)'));
    await expect(csvEntries('')).rejects.toThrow(/the CSV is empty/);
    await expect(csvEntries('Handle,Title\na,"A\nb,B\n')).rejects.toThrow(/^cannot read the CSV: .*quote/i);
  });

  it('reads a product without options (Title / Default Title), grams in its unit, and a Variant Image not among the images', async () => {
    const csv = [
      'Handle,Title,Option1 Name,Option1 Value,Variant Price,Variant Grams,Variant Weight Unit,Image Src,Image Position,Image Alt Text,Variant Image',
      'hat,Hat,Title,Default Title,5,454,lb,https://x.test/2.jpg,2,Side,https://x.test/9.jpg',
      'hat,,,,,,,https://x.test/1.jpg,1,Front,',
    ].join('\n');
    const [hat] = (await csvEntries(csv)).entries;
    expect(hat!.options).toEqual([]);
    expect(hat!.variants).toEqual([{ price: '5', weight: '1.001', weight_unit: 'lb', image_src: 'https://x.test/9.jpg', line: 2 }]);
    expect(hat!.images).toEqual([
      { src: 'https://x.test/1.jpg', alt: 'Front', line: 3 },
      { src: 'https://x.test/2.jpg', alt: 'Side', line: 2 },
      { src: 'https://x.test/9.jpg', alt: '', line: 2 },
    ]);
    expect(hat!.problems).toEqual([]);
  });

  it('finds a bad Published, Image Position, inventory quantity and grams on their lines, and rows without a handle', async () => {
    const csv = [
      'Handle,Title,Published,Option1 Name,Option1 Value,Variant Inventory Qty,Variant Grams,Image Src,Image Position',
      'a,A,yes,Size,S,1.5,heavy,https://x.test/1.jpg,0',
      ',orphan,,,,,,https://x.test/2.jpg,',
    ].join('\n');
    const { entries } = await csvEntries(csv);
    expect(entries[0]!.problems.map((problem) => problem.reason)).toEqual([
      'Published must be TRUE or FALSE, got "yes"',
      'Image Position must be a whole number from 1, got "0"',
      'Variant Inventory Qty must be a whole number, got "1.5"',
      'Variant Grams must be a number of grams, with a Variant Weight Unit of kg, g, lb or oz; got "heavy"',
    ]);
    expect(entries[1]!.problems).toEqual([{ line: 3, reason: 'Handle is empty: every row needs the handle of its product' }]);
  });
});

describe('the JSON Lines reader', () => {
  it('takes a product as answered or wrapped in "product", counts blank lines, and fails a line that is not JSON on its own', async () => {
    const text = [
      JSON.stringify({ product: { title: 'A', handle: 'a', images: [{ id: 'i2', src: 'https://x.test/2.jpg', position: 2 }, { id: 'i1', src: 'https://x.test/1.jpg', position: 1, alt: 'One' }], variants: [{ price: 3, image_id: 'i2' }] } }),
      '',
      '{"title": "B", "handle": ',
      JSON.stringify({ title: 'C', handle: 'c', tags: ['x', 'y'] }),
      JSON.stringify([1, 2]),
    ].join('\n');
    const entries = await jsonlEntries(text);
    expect(entries.map((entry) => [entry.seq, entry.handle, entry.lines])).toEqual([
      [0, 'a', [1]],
      [1, '', [3]],
      [2, 'c', [4]],
      [3, '', [5]],
    ]);
    expect(entries[0]!.images.map((image) => image.src)).toEqual(['https://x.test/1.jpg', 'https://x.test/2.jpg']);
    expect(entries[0]!.variants).toEqual([{ price: '3', image_src: 'https://x.test/2.jpg', line: 1 }]);
    expect(entries[1]!.problems[0]!.reason).toMatch(/^not JSON: /);
    expect(entries[2]!.product.tags).toBe('x, y');
    expect(entries[3]!.problems).toEqual([{ line: 5, reason: 'not a product: each line must be one JSON object' }]);
  });
});

describe('the spreadsheet reader against a hostile file', () => {
  it('holds at most 500 rows of one product: the rest are only counted, and the product fails', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `big,${i === 0 ? 'Big' : ''},https://x.test/${i}.jpg`);
    const { entries } = await csvEntries(`Handle,Title,Image Src\n${rows.join('\n')}\nsmall,Small,https://x.test/s.jpg\n`);
    expect(entries.map((entry) => [entry.handle, entry.lines.length, entry.images.length])).toEqual([
      ['big', 5000, 0],
      ['small', 1, 1],
    ]);
    expect(entries[0]!.problems).toEqual([{ line: 502, reason: 'a product may have at most 500 rows (one per image and per variant); this one has 5000' }]);
  });
});

describe('the JSON Lines reader against a hostile file', () => {
  it('fails a line nested 100,000 deep on its own, and reads the lines around it', async () => {
    const deep = `{"handle":"deep","title":"Deep","tags":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const entries = await jsonlEntries(`{"handle":"a","title":"A"}\n${deep}\n{"handle":"b","title":"B","tags":["x",["y"]]}\n`);
    expect(entries.map((entry) => [entry.seq, entry.handle, entry.lines, entry.problems])).toEqual([
      [0, 'a', [1], []],
      [1, '', [2], [{ line: 2, reason: 'nested deeper than 64 levels: a product is a few levels deep' }]],
      [2, 'b', [3], []],
    ]);
    // Tags are strings: a nested array among them is no tag.
    expect(entries[2]!.product.tags).toBe('x');
  });

  it('stops at a line longer than 8 MiB instead of holding it', async () => {
    const long = `{"title":"${'x'.repeat(9 * 1024 * 1024)}"}`;
    const chunks = [`{"title":"A","handle":"a"}\n`, long.slice(0, 5_000_000), long.slice(5_000_000)];
    const read = async () => {
      for await (const _entry of readJsonlEntries(Readable.from(chunks.map((chunk) => Buffer.from(chunk))))) void _entry;
    };
    await expect(read()).rejects.toThrow(new InputError('line 2 is longer than 8 MiB'));
  });
});
