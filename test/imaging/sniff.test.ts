import { describe, expect, it } from 'vitest';
import { describeContent, sniffFormat } from '../../src/imaging/sniff.js';
import { htmlPage, jp2File, pixelBombPng, svgImage } from './fixtures/hostile.js';
import { makeAnimatedGif, makeAvif, makeGif, makeJpeg, makePng, makeWebp } from './fixtures/images.js';

const bytes = (...values: Array<number | string>) =>
  Buffer.concat(values.map((v) => (typeof v === 'string' ? Buffer.from(v, 'latin1') : Buffer.from([v]))));
/** An ISO-BMFF file type box with the given major and compatible brands. */
const ftyp = (major: string, ...compatible: string[]) => {
  const size = 16 + 4 * compatible.length;
  return bytes(0, 0, 0, size, 'ftyp', major, 0, 0, 0, 0, ...compatible);
};

describe('sniffFormat', () => {
  it.each([
    ['jpeg', makeJpeg, 'jpg', 'image/jpeg'],
    ['png', makePng, 'png', 'image/png'],
    ['webp', makeWebp, 'webp', 'image/webp'],
    ['gif', makeGif, 'gif', 'image/gif'],
    ['gif', makeAnimatedGif, 'gif', 'image/gif'],
    ['avif', makeAvif, 'avif', 'image/avif'],
  ] as const)('recognises a %s written by sharp (%o)', async (format, make, ext, mime) => {
    expect(sniffFormat(await make())).toEqual({ format, ext, mime });
  });

  it.each([
    ['a JP2 file (signature box)', jp2File()],
    ['a raw JPEG 2000 codestream', jp2File({ raw: true })],
  ])('recognises %s', (_what, file) => {
    expect(sniffFormat(file)).toEqual({ format: 'jp2', ext: 'jp2', mime: 'image/jp2' });
  });

  it.each([
    ['AVIF as the major brand', ftyp('avif', 'mif1', 'miaf'), 'avif'],
    ['AVIF sequence', ftyp('avis', 'msf1'), 'avif'],
    ['AVIF only among compatible brands', ftyp('mif1', 'miaf', 'avif'), 'avif'],
    ['GIF87a', bytes('GIF87a', 1, 0, 1, 0), 'gif'],
    ['the smallest JPEG start', bytes(0xff, 0xd8, 0xff), 'jpeg'],
    ['a pixel bomb PNG (sniffing does not measure)', pixelBombPng(), 'png'],
  ])('recognises %s', (_what, file, format) => {
    expect(sniffFormat(file)?.format).toBe(format);
  });

  it.each([
    ['an empty body', Buffer.alloc(0)],
    ['a JPEG cut after two bytes', bytes(0xff, 0xd8)],
    ['HTML', htmlPage],
    ['SVG', svgImage],
    ['HEIC (ftyp heic)', ftyp('heic', 'mif1', 'heic')],
    ['a RIFF that is not WebP (WAV)', bytes('RIFF', 0, 0, 0, 0, 'WAVEfmt ')],
    ['a PNG signature with one byte wrong', bytes(0x89, 'PNG', 0x0d, 0x0a, 0x1a, 0x0b)],
    ['an ftyp box shorter than its brands', bytes(0, 0, 0, 8, 'ftyp', 'avif')],
    ['TIFF', bytes('II*', 0, 8, 0, 0, 0)],
    ['BMP', bytes('BM', 0, 0, 0, 0)],
  ])('refuses %s', (_what, file) => {
    expect(sniffFormat(file)).toBeNull();
  });
});

describe('describeContent', () => {
  it.each([
    ['an empty body', Buffer.alloc(0), 'image/png', 'empty body'],
    ['HTML served as image/png (bytes win over the header)', htmlPage, 'image/png', 'text/html'],
    ['HTML with leading whitespace and a BOM', Buffer.from('\ufeff  \n<html><body></body></html>'), undefined, 'text/html'],
    ['SVG with an XML declaration', svgImage, 'image/svg+xml', 'image/svg+xml'],
    ['bare SVG served as text/plain', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'text/plain', 'image/svg+xml'],
    ['other XML', Buffer.from('<?xml version="1.0"?><feed/>'), 'application/atom+xml', 'application/xml'],
    ['a PDF', Buffer.from('%PDF-1.7\n...'), 'application/octet-stream', 'application/pdf'],
    ['a TIFF', bytes('MM', 0, 42, 0, 0, 0, 8), undefined, 'image/tiff'],
    ['a HEIC', ftyp('heic', 'mif1'), undefined, 'image/heic'],
    ['a gzip body', bytes(0x1f, 0x8b, 8, 0), 'image/jpeg', 'application/gzip'],
    ['unknown bytes with a media type (parameters dropped)', Buffer.from('hello'), 'Text/Plain; charset=utf-8', 'text/plain'],
    ['unknown bytes claiming to be an image', Buffer.from('hello'), 'image/png', 'unrecognised data served as image/png'],
    ['unknown bytes without a header', Buffer.from('hello'), undefined, 'unrecognised data'],
    ['a header that is not a media type (not echoed back)', Buffer.from('hello'), '<script>alert(1)</script>', 'unrecognised data'],
    ['a very long header (not echoed back)', Buffer.from('hello'), `text/${'x'.repeat(500)}`, 'unrecognised data'],
  ])('%s', (_what, file, contentType, description) => {
    expect(describeContent(file, contentType)).toBe(description);
  });
});
