/** The textual form of an RFC 4122 UUID, the ids of every record. */
const UUID_SOURCE = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

const ANY_CASE = new RegExp(`^${UUID_SOURCE}$`, 'i');
const STORED = new RegExp(`^${UUID_SOURCE}$`);

/** Any UUID, as a client may write it (case-insensitive). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && ANY_CASE.test(value);
}

/** A UUID in the lower case it is stored and answered in. */
export function isStoredUuid(value: unknown): value is string {
  return typeof value === 'string' && STORED.test(value);
}

/** The same UUID pattern as a capturing group for a larger pattern (lower case, as stored). */
export const STORED_UUID_GROUP = `(${UUID_SOURCE})`;
