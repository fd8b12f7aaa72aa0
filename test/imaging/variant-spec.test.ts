import { describe, expect, it } from 'vitest';
import { errorAnswer } from '../../src/contract/error-catalogue.js';
import { DomainError } from '../../src/domain/errors.js';
import { isBlobName } from '../../src/imaging/blob-store.js';
import { FORMATS, type ImageFormat } from '../../src/imaging/sniff.js';
import { parseVariantSpec, type VariantSpec, variantBlobName } from '../../src/imaging/variant-spec.js';

const SIZES = [100, 200, 400, 800];
const H = '0123456789abcdef0123456789abcdef';

/** The message the client reads, as the error catalogue renders it. */
const clientMessage = (error: DomainError) => (errorAnswer('classic', error.code, error.messages).body as { errors: string[] }).errors[0];

/** The 400 message a request gets, or the spec's interesting fields. */
function outcome(name: string, query: Record<string, unknown> = {}) {
  try {
    const spec = parseVariantSpec(name, query, SIZES);
    if (spec === null) return null;
    return { original: spec.original, width: spec.width, height: spec.height, crop: spec.crop, format: spec.format };
  } catch (error) {
    if (error instanceof DomainError && error.code === 'BadRequest') return clientMessage(error);
    throw error;
  }
}

const plain = (ext: string, rest: Partial<VariantSpec> = {}) => ({
  original: `${H}.${ext}`,
  width: undefined,
  height: undefined,
  crop: false,
  format: undefined,
  ...rest,
});

describe('parseVariantSpec', () => {
  it.each<[string, Record<string, unknown>, unknown]>([
    [`${H}.jpg`, {}, plain('jpg')],
    [`${H}.jp2`, {}, plain('jp2')],
    [`${H}_400x.jpg`, {}, plain('jpg', { width: 400 })],
    [`${H}_x200.png`, {}, plain('png', { height: 200 })],
    [`${H}_400x200.webp`, {}, plain('webp', { width: 400, height: 200 })],
    [`${H}.jpg`, { width: '400' }, plain('jpg', { width: 400 })],
    [`${H}.jpg`, { height: '100', format: 'avif' }, plain('jpg', { height: 100, format: 'avif' })],
    [`${H}.gif`, { format: 'auto' }, plain('gif', { format: 'auto' })],
    [`${H}.jpg`, { width: '400', height: '200', crop: 'center' }, plain('jpg', { width: 400, height: 200, crop: true })],
    [`${H}_400x200.jpg`, { crop: 'center' }, plain('jpg', { width: 400, height: 200, crop: true })],
    // Crop needs a box; with one side the aspect ratio decides the other, so nothing is cut.
    [`${H}.jpg`, { width: '400', crop: 'center' }, plain('jpg', { width: 400 })],
    // A size in the query replaces the name's as a whole.
    [`${H}_400x200.jpg`, { width: '100' }, plain('jpg', { width: 100 })],
    [`${H}.jpg`, { v: '3', utm_source: 'x' }, plain('jpg')],
  ])('%s %j', (name, query, expected) => {
    expect(outcome(name, query)).toEqual(expected);
  });

  it.each([
    ['..%2f..%2fetc%2fpasswd'],
    ['../../etc/passwd'],
    [`../${H}.jpg`],
    [`${H}.jpg/../../x`],
    [`/etc/passwd`],
    [`${H}.jpg\0.png`],
    [`${H}.jpg\n`],
    [`${H.toUpperCase()}.jpg`],
    [`${H.slice(1)}.jpg`],
    [`${H}.JPG`],
    [`${H}.jpeg`],
    [`${H}.exe`],
    [`${H}`],
    [''],
    [`${H}_x.jpg`],
    [`${H}_.jpg`],
    [`${H}_400.jpg`],
    [`${H}_400x200_c.webp`],
    [`${H}_-1x.jpg`],
    [`${H}_400x${'9'.repeat(100)}.jpg`],
    [`${H}.jpg?width=400`],
    [`a/${H}.jpg`],
  ])('is not a CDN name: %j', (name) => {
    expect(outcome(name)).toBeNull();
    expect(outcome(name, { width: 'nope' })).toBeNull();
  });

  it.each<[string, Record<string, unknown>, string]>([
    [`${H}_300x.jpg`, {}, 'Bad Request: expected one of 100, 200, 400, 800 for width, got 300'],
    [`${H}_x1600.jpg`, {}, 'Bad Request: expected one of 100, 200, 400, 800 for height, got 1600'],
    [`${H}_0x.jpg`, {}, 'Bad Request: expected positive integer for width, got "0"'],
    [`${H}_0400x.jpg`, {}, 'Bad Request: expected positive integer for width, got "0400"'],
    [`${H}.jpg`, { width: '1.5' }, 'Bad Request: expected positive integer for width, got "1.5"'],
    [`${H}.jpg`, { width: '-400' }, 'Bad Request: expected positive integer for width, got "-400"'],
    [`${H}.jpg`, { width: '' }, 'Bad Request: expected positive integer for width, got ""'],
    [`${H}.jpg`, { height: '4e2' }, 'Bad Request: expected positive integer for height, got "4e2"'],
    [`${H}.jpg`, { height: ' 400' }, 'Bad Request: expected positive integer for height, got " 400"'],
    [`${H}.jpg`, { width: '9'.repeat(400) }, `Bad Request: expected one of 100, 200, 400, 800 for width, got ${'9'.repeat(20)}...`],
    [`${H}.jpg`, { width: ['400', '800'] }, 'Bad Request: expected one value for width, got 2'],
    [`${H}.jpg`, { crop: 'top' }, 'Bad Request: expected center for crop, got "top"'],
    [`${H}.jpg`, { format: 'bmp' }, 'Bad Request: expected one of webp, avif, jpeg, png, auto for format, got "bmp"'],
    [`${H}.jpg`, { format: 'JPEG' }, 'Bad Request: expected one of webp, avif, jpeg, png, auto for format, got "JPEG"'],
    [`${H}.jpg`, { format: '<script>' }, 'Bad Request: expected one of webp, avif, jpeg, png, auto for format, got "<script>"'],
  ])('refuses %s %j', (name, query, message) => {
    expect(outcome(name, query)).toBe(message);
  });
});

describe('variantBlobName', () => {
  const spec = (rest: Partial<VariantSpec>): VariantSpec => ({
    hash: H,
    original: `${H}.jpg`,
    source: FORMATS.jpeg,
    width: undefined,
    height: undefined,
    crop: false,
    format: undefined,
    ...rest,
  });

  it.each<[Partial<VariantSpec>, ImageFormat, string | null]>([
    [{}, 'jpeg', null],
    [{}, 'webp', `${H}_x.webp`],
    [{ width: 400 }, 'jpeg', `${H}_400x.jpg`],
    [{ height: 200 }, 'jpeg', `${H}_x200.jpg`],
    [{ width: 400, height: 200 }, 'avif', `${H}_400x200.avif`],
    [{ width: 400, height: 200, crop: true }, 'webp', `${H}_400x200_c.webp`],
    [{ width: 400, height: 200, crop: true }, 'png', `${H}_400x200_c.png`],
  ])('%j as %s -> %s', (rest, format, expected) => {
    expect(variantBlobName(spec(rest), format)).toBe(expected);
  });

  it('gives names the blob store accepts, in the original’s family, for every request form', () => {
    const forms: Record<string, unknown>[] = [{}, { width: '400' }, { height: '800' }, { width: '100', height: '200' }, { width: '100', height: '200', crop: 'center' }];
    for (const query of forms) {
      for (const format of ['jpeg', 'png', 'webp', 'avif', 'gif'] as const) {
        const parsed = parseVariantSpec(`${H}.gif`, query, SIZES);
        const name = parsed && variantBlobName(parsed, format);
        if (name === null) continue;
        expect(isBlobName(name), name).toBe(true);
        expect(name.startsWith(`${H}_`), name).toBe(true);
      }
    }
  });
});
