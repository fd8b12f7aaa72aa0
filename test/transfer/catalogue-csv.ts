import { stringify } from 'csv-stringify/sync';
import type { CatalogueOrigin } from './catalogue-origin.js';

/** The columns a generated spreadsheet has, in a platform's order, with one this layout ignores. */
const HEADER = ['Handle', 'Title', 'Body (HTML)', 'Vendor', 'Type', 'Tags', 'Published', 'Option1 Name', 'Option1 Value', 'Variant SKU', 'Variant Price', 'Variant Inventory Qty', 'Image Src', 'Image Position', 'Image Alt Text', 'Variant Image'];

export interface ExpectedFailure {
  line: number;
  handle: string;
  /** The reason of the line that caused it (other lines of its product say "not imported"). */
  reason: RegExp;
}

export interface GeneratedCatalogue {
  csv: string;
  /** Data rows (the header not counted). */
  rows: number;
  products: number;
  /** Handles whose product must exist afterwards, each with 3 images and 3 variants. */
  good: string[];
  /** Handles of products that must not be created. */
  bad: string[];
  /** Every failing line: the cause's lines, then each other line of a failed product. */
  failures: ExpectedFailure[];
  /** Images shared by several products: stored once. */
  sharedImages: number;
}

/**
 * A spreadsheet of `products` products, 4 rows each (3 variants, 3 images: front, back and one of
 * a few shared by many products; the back one is the M variant's image), and one more product's rows
 * repeated at the end. Bad rows, when `bad` is set: an unreachable src (product 10), a web page as a
 * src (20), a bad Image Position (30), a handle two products of the store hold (40: the caller makes
 * them), and product 60's handle used again at the end.
 */
export function generateCatalogue(origin: CatalogueOrigin, products: number, options: { bad: boolean; unreachable: string }): GeneratedCatalogue {
  const shared = 20;
  const rows: string[][] = [HEADER];
  const failures: ExpectedFailure[] = [];
  const bad = new Set<string>();
  const lineOf = (product: number, row: number) => 2 + product * 4 + row;
  const breakHere = (i: number, row: number, reason: RegExp) => {
    const handle = `p-${i}`;
    bad.add(handle);
    for (let r = 0; r < 4; r += 1) failures.push({ line: lineOf(i, r), handle, reason: r === row ? reason : /^not imported: line \d+ of the same product \(p-\d+\) failed$/ });
  };
  for (let i = 0; i < products; i += 1) {
    const handle = `p-${i}`;
    let front = origin.url(`/img/${2 * i}.jpg`);
    let back = origin.url(`/img/${2 * i + 1}.jpg`);
    let position3 = '3';
    if (options.bad && i === 10) {
      back = options.unreachable;
      breakHere(i, 1, /^Image 2: Src could not be downloaded/);
    }
    if (options.bad && i === 20) {
      front = origin.url(`/page/${i}.html`);
      breakHere(i, 0, /^Image 1: Src is not a supported image/);
    }
    if (options.bad && i === 30) {
      position3 = 'third';
      breakHere(i, 2, /^Image Position must be a whole number from 1, got "third"$/);
    }
    if (options.bad && i === 40) breakHere(i, 0, /^handle "p-40" is held by several products in this store/);
    const sharedSrc = origin.url(`/img/${1_000_000 + (i % shared)}.jpg`);
    rows.push([handle, `Product ${i}`, `<p>About ${i}</p>`, 'Acme', 'Shirts', `tag-${i % 7}, all`, i % 5 === 0 ? 'FALSE' : 'TRUE', 'Size', 'S', `SKU-${i}-S`, `${10 + (i % 90)}.50`, String(i % 13), front, '1', `Front of ${i}`, '']);
    rows.push([handle, '', '', '', '', '', '', '', 'M', `SKU-${i}-M`, `${11 + (i % 90)}.00`, '3', back, '2', `Back of ${i}`, back]);
    rows.push([handle, '', '', '', '', '', '', '', '', '', '', '', sharedSrc, position3, '', '']);
    rows.push([handle, '', '', '', '', '', '', '', 'L', `SKU-${i}-L`, '12', '0', '', '', '', '']);
  }
  if (options.bad) {
    // Product 60's handle again, after others: its rows must be together.
    const first = lineOf(60, 0);
    for (let r = 0; r < 4; r += 1) {
      const line = rows.length + 1;
      rows.push(['p-60', r === 0 ? 'Product 60 again' : '', '', '', '', '', '', r === 0 ? 'Size' : '', ['S', 'M', 'L', 'XL'][r]!, `DUP-${r}`, '9', '1', '', '', '', '']);
      failures.push({ line, handle: 'p-60', reason: new RegExp(`^handle "p-60" was already used by the product starting at line ${first}; a product's rows must be together$`) });
    }
  }
  const all = Array.from({ length: products }, (_, i) => `p-${i}`);
  return {
    csv: stringify(rows),
    rows: rows.length - 1,
    products,
    good: all.filter((handle) => !bad.has(handle)),
    bad: [...bad],
    failures: failures.sort((a, b) => a.line - b.line),
    sharedImages: shared,
  };
}
