import rangeParser from 'range-parser';

export interface BlobResponseInput {
  method: 'GET' | 'HEAD';
  size: number;
  /** The full header value, quotes included. */
  etag: string;
  contentType: string;
  vary: boolean;
  ifNoneMatch: string | undefined;
  range: string | undefined;
  ifRange: string | undefined;
}

export interface BlobResponsePlan {
  status: 200 | 206 | 304 | 416;
  headers: Record<string, string>;
  /** The bytes to send, both ends inclusive; null for no body. */
  body: { start: number; end: number } | null;
}

/** Stored names never change meaning, so a browser or CDN may keep a file for a year without asking again. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Status, headers and byte range for serving a stored file. Only a single range is answered with 206;
 * a multi-range request gets the whole file with 200, which RFC 9110 allows and which saves building
 * multipart/byteranges bodies no image client asks for. Range applies to GET only (RFC 9110 14.2), and
 * If-Range with anything but our exact strong ETag (a date included: we send no Last-Modified) gets the
 * whole file, so a client never stitches together parts of two different files.
 */
export function planBlobResponse(input: BlobResponseInput): BlobResponsePlan {
  // Header objects are written out whole in each branch: spreading one into another cost about 4 us
  // a response here (V8's slow path for these keys), as much as the rest of a cached /cdn answer.
  if (input.ifNoneMatch !== undefined && etagMatches(input.ifNoneMatch, input.etag)) {
    return { status: 304, headers: withVary({ etag: input.etag, 'cache-control': IMMUTABLE }, input.vary), body: null };
  }
  const range = input.method === 'GET' && rangeApplies(input) ? parseSingleRange(input.size, input.range ?? '') : 'whole';
  if (range === 'unsatisfiable') {
    return { status: 416, headers: { 'content-range': `bytes */${input.size}` }, body: null };
  }
  const whole = range === 'whole';
  const headers: Record<string, string> = {
    etag: input.etag,
    'cache-control': IMMUTABLE,
    'content-type': input.contentType,
    'accept-ranges': 'bytes',
    // The type comes from a sniffed extension; a browser must not second-guess it into HTML.
    'x-content-type-options': 'nosniff',
    'content-length': String(whole ? input.size : range.end - range.start + 1),
  };
  if (whole) {
    return { status: 200, headers: withVary(headers, input.vary), body: input.method === 'GET' ? { start: 0, end: input.size - 1 } : null };
  }
  headers['content-range'] = `bytes ${range.start}-${range.end}/${input.size}`;
  return { status: 206, headers: withVary(headers, input.vary), body: range };
}

function withVary(headers: Record<string, string>, vary: boolean): Record<string, string> {
  if (vary) headers.vary = 'Accept';
  return headers;
}

/**
 * If-None-Match against our ETag: `*`, one tag or a list, compared weakly as RFC 9110 13.1.2 says
 * (a `W/` prefix does not matter there).
 */
export function etagMatches(header: string, etag: string): boolean {
  const ours = withoutWeak(etag);
  return header.split(',').some((entry) => {
    const tag = entry.trim();
    return tag === '*' || (tag !== '' && withoutWeak(tag) === ours);
  });
}

function rangeApplies(input: BlobResponseInput): boolean {
  if (input.range === undefined) return false;
  return input.ifRange === undefined || input.ifRange.trim() === input.etag;
}

/** One satisfiable byte range, `whole` to ignore the header (malformed, another unit, several ranges). */
function parseSingleRange(size: number, header: string): { start: number; end: number } | 'whole' | 'unsatisfiable' {
  const ranges = rangeParser(size, header, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return 'whole';
  const [range] = ranges;
  return range ?? 'whole';
}

function withoutWeak(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}
