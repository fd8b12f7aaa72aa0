/**
 * Readers for one field of a request body. Each returns the normalised value (undefined when the
 * field is absent) and appends a contract-style message to `problems` when the value is bad, so a
 * body with several mistakes gets one message per mistake.
 */
export type Problems = string[];
export type Fields = Record<string, unknown>;

export const INT_MAX = 2_147_483_647;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const INTEGER = /^-?\d+$/;

export function isPlainObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A positive integer, sent as a number or a numeric string ("300"); null and "" count as absent. */
export function readPositiveInt(
  fields: Fields,
  key: string,
  label: string,
  problems: Problems,
  options: { clampAbove?: boolean } = {},
): number | undefined {
  const raw = fields[key];
  if (raw === undefined || raw === null || raw === '') return undefined;
  let value: number;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'string' && INTEGER.test(raw.trim())) value = Number(raw.trim());
  else {
    problems.push(`${label} must be an integer`);
    return undefined;
  }
  if (!Number.isInteger(value)) {
    problems.push(`${label} must be an integer`);
    return undefined;
  }
  if (value <= 0) {
    problems.push(`${label} must be greater than 0`);
    return undefined;
  }
  if (value > INT_MAX) {
    // A position past the end means "last"; a size this large is a mistake.
    if (options.clampAbove) return INT_MAX;
    problems.push(`${label} must be less than or equal to ${INT_MAX}`);
    return undefined;
  }
  return value;
}

/** An integer, as a number or a numeric string ("-3"); null and "" count as absent. */
export function readInteger(fields: Fields, key: string, label: string, problems: Problems, options: { min?: number } = {}): number | undefined {
  const raw = fields[key];
  if (raw === undefined || raw === null || raw === '') return undefined;
  const value = typeof raw === 'string' && INTEGER.test(raw.trim()) ? Number(raw.trim()) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value)) problems.push(`${label} must be an integer`);
  else if (options.min !== undefined && value < options.min) problems.push(`${label} must be greater than or equal to ${options.min}`);
  else if (Math.abs(value) > INT_MAX) problems.push(`${label} must be between -${INT_MAX} and ${INT_MAX}`);
  else return value;
  return undefined;
}

export function readString(
  fields: Fields,
  key: string,
  label: string,
  problems: Problems,
  options: { max: number; required?: boolean; nullAs?: string },
): string | undefined {
  const raw = fields[key];
  if (raw === undefined || (raw === null && options.nullAs === undefined)) {
    if (options.required) problems.push(`${label} can't be blank`);
    return undefined;
  }
  if (raw === null) return options.nullAs;
  if (typeof raw !== 'string') {
    problems.push(`${label} must be a string`);
    return undefined;
  }
  // PostgreSQL cannot store U+0000 and neither database keeps a lone surrogate as sent.
  if (raw.includes('\u0000') || LONE_SURROGATE.test(raw)) {
    problems.push(`${label} contains an invalid character`);
    return undefined;
  }
  if (options.required && raw.trim() === '') {
    problems.push(`${label} can't be blank`);
    return undefined;
  }
  if ([...raw].length > options.max) {
    problems.push(`${label} is too long (maximum is ${options.max} characters)`);
    return undefined;
  }
  return raw;
}

export function readBoolean(fields: Fields, key: string, label: string, problems: Problems): boolean | undefined {
  const raw = fields[key];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'boolean') return raw;
  problems.push(`${label} must be true or false`);
  return undefined;
}

export const SRC_MAX = 2048;

/** An absolute http(s) URL or a protocol-relative one (`//cdn.example.com/a.png`). */
export function isImageUrl(value: string): boolean {
  if (/\s/.test(value)) return false;
  const absolute = value.startsWith('//') ? `https:${value}` : value;
  if (!/^https?:\/\//i.test(absolute)) return false;
  try {
    return new URL(absolute).hostname.length > 0;
  } catch {
    return false;
  }
}

export function readUrl(fields: Fields, key: string, label: string, problems: Problems, required: boolean): string | undefined {
  const value = readString(fields, key, label, problems, { max: SRC_MAX, required });
  if (value === undefined) return undefined;
  if (!isImageUrl(value)) {
    problems.push(`${label} must be a valid URL`);
    return undefined;
  }
  return value;
}

/**
 * A list of objects (`images`, `options`, `variants` of a product body): absent or null is undefined;
 * not an array or longer than `max` is one message; each entry is read by `read` with its 1-based
 * prefix (`Image 2: `), and an entry that is not an object is reported as such.
 */
export function readObjectList<T>(
  fields: Fields,
  key: string,
  names: { label: string; item: string; unit: string; max: number },
  problems: Problems,
  read: (entry: Fields, prefix: string) => T | undefined,
): T[] | undefined {
  const raw = fields[key];
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) {
    problems.push(`${names.label} must be an array`);
    return undefined;
  }
  if (raw.length > names.max) {
    problems.push(`${names.label} is too long (maximum is ${names.max} ${names.unit})`);
    return undefined;
  }
  const out: T[] = [];
  raw.forEach((entry, index) => {
    const prefix = `${names.item} ${index + 1}: `;
    if (!isPlainObject(entry)) problems.push(`${prefix}must be an object`);
    else {
      const value = read(entry, prefix);
      if (value !== undefined) out.push(value);
    }
  });
  return out;
}
