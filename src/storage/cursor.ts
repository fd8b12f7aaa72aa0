import { validation } from '../domain/errors.js';
import { isStoredUuid } from '../domain/uuid.js';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** A page boundary in (created_at, id) order, opaque to clients. */
export interface CursorKey {
  createdAt: string;
  id: string;
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify([key.createdAt, key.id])).toString('base64url');
}

export function decodeCursor(cursor: string, field: 'Cursor' | 'Pre cursor'): CursorKey {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && TIMESTAMP.test(String(value[0])) && isStoredUuid(value[1])) {
      return { createdAt: String(value[0]), id: String(value[1]) };
    }
  } catch {
    // fall through to the validation error below
  }
  throw validation([`${field} is invalid`]);
}
