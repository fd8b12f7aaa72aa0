import { badRequest } from '../domain/errors.js';
import { BLOB_NAME } from './blob-store.js';
import { FORMATS, type ImageFormat, type SniffedFormat } from './sniff.js';

/** What a client may put in `?format=`. */
export const REQUESTABLE_FORMATS = ['webp', 'avif', 'jpeg', 'png', 'auto'] as const;
export type RequestedFormat = (typeof REQUESTABLE_FORMATS)[number];

/** One CDN request, checked and normalised: equal specs mean the same bytes. */
export interface VariantSpec {
  hash: string;
  /** The original's blob name: the hash with the URL's extension. */
  original: string;
  /** The original's format, as its extension says (the extension was sniffed at ingestion). */
  source: SniffedFormat;
  width: number | undefined;
  height: number | undefined;
  /** Cover the box and cut the overflow evenly; only ever true when both sides are given. */
  crop: boolean;
  format: RequestedFormat | undefined;
}

/** Far longer than any name the grammar can produce with a sane size; cheaper to refuse than to match. */
const MAX_NAME_LENGTH = 80;

const EXTENSIONS: Readonly<Record<string, SniffedFormat>> = Object.fromEntries(Object.values(FORMATS).map((f) => [f.ext, f]));

/**
 * The variant a `/cdn/<name>?<query>` request asks for. Null when the name is not one we could have
 * given out (a 404, decided before storage is touched, so odd names never reach it); a 400 when the
 * name is fine but a size or option is not. A size in the query replaces the one in the name as a
 * whole, so a theme can append `?width=` to any URL we handed out. Unknown query keys are ignored:
 * cache busters like `?v=3` are common.
 */
export function parseVariantSpec(name: string, query: Readonly<Record<string, unknown>>, sizes: readonly number[]): VariantSpec | null {
  if (name.length > MAX_NAME_LENGTH) return null;
  // A URL name is a blob name without `_c` (crop is asked for in the query), with either side of the
  // size possibly empty. Its ext is always the original's, whatever format is asked for, so the
  // name alone finds the original.
  const match = BLOB_NAME.exec(name);
  if (match === null) return null;
  const [, hash = '', nameWidth = '', nameHeight = '', croppedName, ext = ''] = match;
  const source = EXTENSIONS[ext];
  if (source === undefined || croppedName !== undefined) return null;
  // `_x.jpg` names no size at all: not a URL we give out.
  if (match[2] !== undefined && nameWidth === '' && nameHeight === '') return null;

  const queryWidth = onlyQueryValue(query, 'width');
  const queryHeight = onlyQueryValue(query, 'height');
  const fromQuery = queryWidth !== undefined || queryHeight !== undefined;
  const width = presetSize('width', fromQuery ? queryWidth : emptyAsAbsent(nameWidth), sizes);
  const height = presetSize('height', fromQuery ? queryHeight : emptyAsAbsent(nameHeight), sizes);

  const crop = onlyQueryValue(query, 'crop');
  if (crop !== undefined && crop !== 'center') throw badRequest(`expected center for crop, got ${shown(crop)}`);
  const format = onlyQueryValue(query, 'format');
  if (format !== undefined && !isRequestable(format)) {
    throw badRequest(`expected one of ${REQUESTABLE_FORMATS.join(', ')} for format, got ${shown(format)}`);
  }

  return {
    hash,
    original: `${hash}.${ext}`,
    source,
    width,
    height,
    // With one side the other follows the aspect ratio, so there is nothing to cut.
    crop: crop !== undefined && width !== undefined && height !== undefined,
    format,
  };
}

/**
 * The blob name a variant is cached under, or null when the request is the original itself (no
 * size, same format). It starts with the hash so `deleteFamily` takes variants with the original,
 * ends in the output's extension, and always carries the `_<w>x<h>` part (`_x` for a conversion
 * only), so a variant can never be mistaken for an original of another format.
 */
export function variantBlobName(spec: VariantSpec, format: ImageFormat): string | null {
  const sized = spec.width !== undefined || spec.height !== undefined;
  if (!sized && format === spec.source.format) return null;
  return `${spec.hash}_${spec.width ?? ''}x${spec.height ?? ''}${spec.crop ? '_c' : ''}.${FORMATS[format].ext}`;
}

function presetSize(label: string, raw: string | undefined, sizes: readonly number[]): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(raw)) throw badRequest(`expected positive integer for ${label}, got ${shown(raw)}`);
  const value = Number(raw);
  // Presets bound the work a client can ask for: no request makes an odd size, nor fills the cache with them.
  if (!sizes.includes(value)) throw badRequest(`expected one of ${sizes.join(', ')} for ${label}, got ${cut(raw)}`);
  return value;
}

/** A query value given once; the default query parser turns a repeated key into an array. */
function onlyQueryValue(query: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = query[key];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw badRequest(`expected one value for ${key}, got ${value.length}`);
  return String(value);
}

function emptyAsAbsent(side: string): string | undefined {
  return side === '' ? undefined : side;
}

function isRequestable(format: string): format is RequestedFormat {
  return (REQUESTABLE_FORMATS as readonly string[]).includes(format);
}

/** The client's value, quoted and cut short, so the message stays small and unambiguous. */
function shown(value: string): string {
  return JSON.stringify(cut(value));
}

function cut(value: string): string {
  return value.length > 20 ? `${value.slice(0, 20)}...` : value;
}
