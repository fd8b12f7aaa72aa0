import { describe, expect, it } from 'vitest';
import type { Image } from '../../src/domain/entities.js';
import {
  AUDIT_CODES,
  AUDIT_RULES,
  type AuditedImage,
  auditProduct,
  checkAlt,
  checkAspectRatios,
  checkDimensions,
  checkDuplicates,
  checkFile,
  checkPositions,
  checkTooHeavy,
  checkTooSmall,
  checkVariantImages,
  type FileFacts,
  toProblem,
} from '../../src/domain/image-audit.js';

let serial = 0;
const image = (fields: Partial<Image> = {}): Image => ({
  id: `image-${++serial}`,
  product_id: 'p',
  position: 1,
  src: 'x.jpg',
  path: 'x.jpg',
  width: 1000,
  height: 1000,
  alt: 'Red shirt, front',
  created_at: '2024-04-08T07:13:28Z',
  updated_at: '2024-04-08T07:13:28Z',
  ...fields,
});
const read = (width: number, height: number, extra: Partial<{ bytes: number; hash: string }> = {}): FileFacts => ({ kind: 'read', bytes: 1000, width, height, hash: 'h', ...extra });
const audited = (fields: Partial<Image> = {}, file: FileFacts = { kind: 'not-checked' }): AuditedImage => ({ image: image(fields), file });

describe('the audit rules', () => {
  it('each code has a severity and a one-line fix; errors are exactly the ones the issue names', () => {
    const errors = AUDIT_CODES.filter((code) => AUDIT_RULES[code].severity === 'error').sort();
    expect(errors).toEqual(['dimensions_mismatch', 'missing_alt', 'missing_file', 'positions', 'variant_image_missing']);
    for (const code of AUDIT_CODES) expect(AUDIT_RULES[code].fix).toMatch(/^[A-Z][^\n]*\.$/);
  });

  it.each([
    ['', 'missing_alt'],
    ['   ', 'missing_alt'],
    ['IMG_1234.jpg', 'poor_alt'],
    ['photo-2.png', 'poor_alt'],
    ['DSC0001', 'poor_alt'],
    ['image (3).webp', 'poor_alt'],
    ['Screenshot 2024-01-02 at 10.11.12', 'poor_alt'],
    ['5d41402abc4b2a76b9719d911017c592', 'poor_alt'],
    ['20240102_101112', 'poor_alt'],
    ['Linen Shirt', 'poor_alt'],
    ['  linen   SHIRT ', 'poor_alt'],
    ['Linen shirt, front, on a hanger', null],
    ['Image of a linen shirt on a hanger', null],
    ['Photo of the back', null],
    ['Red / S', null],
  ])('alt %j: %s', (alt, code) => {
    expect(checkAlt(image({ alt }), 'Linen shirt')?.code ?? null).toBe(code);
  });

  it.each<[FileFacts, string | null]>([
    [{ kind: 'missing' }, 'missing_file'],
    [{ kind: 'unreadable', reason: 'truncated' }, 'missing_file'],
    [{ kind: 'not-checked' }, null],
    [read(10, 10), null],
  ])('file %j: %s', (file, code) => {
    expect(checkFile(audited({}, file))?.code ?? null).toBe(code);
  });

  it.each<[Partial<Image>, FileFacts, boolean]>([
    [{ width: 1000, height: 800 }, read(1000, 800), false],
    [{ width: 0, height: 0 }, read(1000, 800), true],
    [{ width: 800, height: 1000 }, read(1000, 800), true],
    [{ width: 1, height: 1 }, { kind: 'not-checked' }, false],
    [{ width: 1, height: 1 }, { kind: 'missing' }, false],
  ])('dimensions stored %j, file %j: mismatch %s', (stored, file, mismatch) => {
    const finding = checkDimensions(audited(stored, file));
    expect(finding !== null).toBe(mismatch);
    if (finding) expect(finding.message).toContain(`${stored.width}x${stored.height}`);
  });

  it.each<[Partial<Image>, FileFacts, number, boolean]>([
    [{}, read(799, 2000), 800, true],
    [{}, read(800, 2000), 800, false],
    [{}, read(500, 500), 400, false],
    // Not fetched: the stored size judges, when known.
    [{ width: 600, height: 900 }, { kind: 'not-checked' }, 800, true],
    [{ width: 0, height: 0 }, { kind: 'not-checked' }, 800, false],
    [{ width: 100, height: 100 }, { kind: 'missing' }, 800, false],
  ])('too small: stored %j, file %j, min side %i: %s', (stored, file, minSide, small) => {
    expect(checkTooSmall(audited(stored, file), minSide) !== null).toBe(small);
  });

  it.each<[FileFacts, Partial<Image>, boolean]>([
    [read(5000, 4000), {}, false],
    [read(5000, 4001), {}, true],
    [read(1000, 1000, { bytes: 5 * 1024 * 1024 }), {}, false],
    [read(1000, 1000, { bytes: 5 * 1024 * 1024 + 1 }), {}, true],
    [{ kind: 'not-checked' }, { width: 6000, height: 4000 }, true],
  ])('too heavy: file %j, stored %j: %s', (file, stored, heavy) => {
    expect(checkTooHeavy(audited(stored, file)) !== null).toBe(heavy);
  });

  it('duplicates: every image after the first with the same content hash, naming the first', () => {
    const images = [audited({ position: 1 }, read(9, 9, { hash: 'a' })), audited({ position: 2 }, read(9, 9, { hash: 'b' })), audited({ position: 3 }, read(9, 9, { hash: 'a' })), audited({ position: 4 }, { kind: 'not-checked' })];
    expect(checkDuplicates(images)).toEqual([{ image_id: images[2]!.image.id, code: 'duplicate_file', message: 'Same file as the image at position 1.' }]);
  });

  it.each<[string, Array<[number, number]>, number[]]>([
    ['two images: no most common ratio', [[1000, 1000], [1000, 500]], []],
    ['the odd one out', [[1000, 1000], [1200, 1200], [1000, 500]], [2]],
    ['within 10% is alike', [[1000, 1000], [1000, 1000], [1090, 1000]], []],
    ['beyond 10% is not', [[1000, 1000], [1000, 1000], [1110, 1000]], [2]],
    ['ties: the ratio seen first is the usual one', [[1000, 1000], [2000, 1000], [800, 800], [4000, 2000]], [1, 3]],
  ])('aspect ratio, %s', (_why, sizes, odd) => {
    const images = sizes.map(([width, height]) => audited({}, read(width, height)));
    expect(checkAspectRatios(images).map((finding) => images.findIndex((entry) => entry.image.id === finding.image_id))).toEqual(odd);
  });

  it.each<[number[], boolean]>([
    [[], true],
    [[1, 2, 3], true],
    [[1, 1, 2], false],
    [[1, 3], false],
    [[0, 1], false],
    [[2, 3], false],
  ])('positions %j are 1..n: %s', (positions, fine) => {
    const finding = checkPositions(positions.map((position) => ({ position })));
    expect(finding === null).toBe(fine);
    if (finding) expect(finding.image_id).toBeNull();
  });

  it('a variant naming an image the product does not have', () => {
    const images = [image()];
    const findings = checkVariantImages([{ id: 'v1', image_id: images[0]!.id }, { id: 'v2', image_id: 'gone' }], images);
    expect(findings).toEqual([{ image_id: null, code: 'variant_image_missing', message: 'Variant v2 shows image gone, which does not exist.' }]);
  });

  it('auditProduct: per image in list order, then the product\'s own; nothing for a clean product', () => {
    const clean = [audited({ position: 1 }, read(1000, 1000, { hash: 'a' })), audited({ position: 2 }, read(1000, 1000, { hash: 'b' }))];
    expect(auditProduct({ id: 'p', title: 'Shirt', images: clean, variants: [{ id: 'v', image_id: clean[0]!.image.id }] }, { minSide: 800 })).toEqual([]);
    const messy = [audited({ position: 2, alt: '' }, read(1200, 1000)), audited({ position: 2 }, { kind: 'missing' })];
    const codes = auditProduct({ id: 'p', title: 'Shirt', images: messy, variants: [] }, { minSide: 800 }).map((finding) => [finding.image_id, finding.code]);
    expect(codes).toEqual([
      [messy[0]!.image.id, 'missing_alt'],
      [messy[0]!.image.id, 'dimensions_mismatch'],
      [messy[1]!.image.id, 'missing_file'],
      [null, 'positions'],
    ]);
  });

  it('toProblem adds the store, the product, the rule\'s severity and fix', () => {
    expect(toProblem('alpha', 'p', { image_id: 'i', code: 'too_small', message: 'm' })).toEqual({
      shop: 'alpha',
      product_id: 'p',
      image_id: 'i',
      code: 'too_small',
      severity: 'warning',
      message: 'm',
      fix: AUDIT_RULES.too_small.fix,
      fixed: false,
    });
  });
});
