import { describe, expect, it } from 'vitest';
import { type Image, PRODUCT_SETTING_DEFAULTS, type ProductWithImages } from '../../src/domain/entities.js';
import type { AuditProblem } from '../../src/domain/image-audit.js';
import { storeAuditEntry } from '../../src/server/admin/gallery.js';

const T = '2024-04-08T07:13:28Z';
const HASH = '5d41402abc4b2a76b9719d911017c592';
const image = (id: string, position: number, path: string, src = path): Image => ({ id, product_id: 'p', position, src, path, width: 800, height: 600, alt: '', created_at: T, updated_at: T });
const product = (images: Image[]): ProductWithImages => ({
  ...PRODUCT_SETTING_DEFAULTS,
  id: 'p', title: 'Linen Shirt', handle: 'linen-shirt', description: '', vendor: '', tags: '', published: true, published_at: T, created_at: T, updated_at: T,
  images, need_variant_image: false, options: [], variants: [],
});
const problem = (image_id: string | null): AuditProblem => ({ shop: 'alpha', product_id: 'p', image_id, code: 'missing_alt', severity: 'error', message: 'The image has no alt text.', fix: 'Write alt text.', fixed: false });
const use = { cdnBase: '//cdn.test/cdn', sizes: [100, 160, 320] };

// Issue 22: the store's audit said neither which product nor which image a finding was about.
describe('storeAuditEntry: which product and which image a finding of the store audit is about', () => {
  const ours = image('b', 2, `${HASH}.png`);
  const external = image('c', 3, 'shirt.jpg', 'https://img.example.com/shirt.jpg');
  const first = image('a', 1, `${HASH}.jpg`);
  // Listed out of order: positions, not the array, say which image is first.
  const shirt = product([external, ours, first]);
  it.each([
    ['an image of ours: its position and its 160 px variant', problem('b'), shirt, { product_title: 'Linen Shirt', image_position: 2, thumbnail: `//cdn.test/cdn/${HASH}_160x.png` }],
    ['an external image: its position and its own URL', problem('c'), shirt, { product_title: 'Linen Shirt', image_position: 3, thumbnail: 'https://img.example.com/shirt.jpg' }],
    ["the product's own problem: no position, its first image's thumbnail", problem(null), shirt, { product_title: 'Linen Shirt', image_position: null, thumbnail: `//cdn.test/cdn/${HASH}_160x.jpg` }],
    ['a product without images', problem(null), product([]), { product_title: 'Linen Shirt', image_position: null, thumbnail: null }],
    ['an image deleted since the audit', problem('gone'), shirt, { product_title: 'Linen Shirt', image_position: null, thumbnail: null }],
    ['a product deleted since the audit', problem('b'), null, { product_title: null, image_position: null, thumbnail: null }],
  ])('%s', (_name, found, owner, expected) => {
    expect(storeAuditEntry(found, owner, use)).toEqual({
      product_id: 'p',
      image_id: found.image_id,
      code: 'missing_alt',
      severity: 'error',
      message: 'The image has no alt text.',
      fix: 'Write alt text.',
      ...expected,
    });
  });
});
