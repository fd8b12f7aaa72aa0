import { randomBytes } from 'node:crypto';

/** 12 hex digits: short enough to type, 48 random bits so two tokens never share one in practice. */
export const TOKEN_PUBLIC_ID = /^[0-9a-f]{12}$/;

export function newTokenPublicId(): string {
  return randomBytes(6).toString('hex');
}
