import { randomBytes, timingSafeEqual } from 'node:crypto';
import { generateToken, hashToken } from './auth-service.js';
import { unauthorized, validation } from './errors.js';
import type { Clock } from './ports.js';
import { newTokenPublicId } from './token-public-id.js';

/** What may be shown of an admin key: never the key, nor its hash. */
export interface AdminKeySummary {
  id: string;
  name: string;
  created_at: string;
}

/** A signed-in browser: the key it signed in with, its CSRF token and when it ends (unix ms). */
export interface AdminSession {
  keyId: string;
  csrfToken: string;
  expiresAt: number;
}

export interface AdminKeyRepository {
  create(key: AdminKeySummary, keyHash: string): Promise<void>;
  list(): Promise<AdminKeySummary[]>;
  findByHash(keyHash: string): Promise<AdminKeySummary | null>;
  /** Deletes the key and every session it opened; false when there was none. */
  revoke(id: string): Promise<boolean>;
  openSession(sessionHash: string, session: AdminSession): Promise<void>;
  findSession(sessionHash: string): Promise<AdminSession | null>;
  closeSession(sessionHash: string): Promise<void>;
  /** Removes sessions that ended before `now`. */
  sweepSessions(now: number): Promise<void>;
}

/** How long a sign-in lasts: a working day. */
export const ADMIN_SESSION_MS = 8 * 60 * 60 * 1000;

/**
 * Admin keys (the CLI makes, lists and revokes them) and the sessions the admin page opens with them.
 * Keys and session ids are long random values, so a plain SHA-256 (hashToken) is how they are kept.
 */
export class AdminAuth {
  constructor(
    private readonly keys: AdminKeyRepository,
    private readonly clock: Clock,
    private readonly now: () => number = Date.now,
  ) {}

  async createKey(name: string): Promise<AdminKeySummary & { key: string }> {
    const key = `pia_${generateToken()}`;
    const summary = { id: newTokenPublicId(), name, created_at: this.clock() };
    await this.keys.create(summary, hashToken(key));
    return { ...summary, key };
  }

  listKeys(): Promise<AdminKeySummary[]> {
    return this.keys.list();
  }

  async revokeKey(id: string): Promise<void> {
    if (!(await this.keys.revoke(id))) throw validation([`No admin key with id ${id}; \`prodimg admin-key list\` shows them`]);
  }

  /** Trades a key for a new session: its id goes in the cookie, its CSRF token to the page. */
  async signIn(key: string): Promise<{ sessionId: string; session: AdminSession }> {
    const found = key === '' ? null : await this.keys.findByHash(hashToken(key));
    if (!found) throw unauthorized();
    await this.keys.sweepSessions(this.now());
    const sessionId = generateToken();
    const session = { keyId: found.id, csrfToken: randomBytes(24).toString('hex'), expiresAt: this.now() + ADMIN_SESSION_MS };
    await this.keys.openSession(hashToken(sessionId), session);
    return { sessionId, session };
  }

  /** The session a cookie names, if it is still open (its key not revoked, its time not up). */
  async session(sessionId: string | undefined): Promise<AdminSession> {
    const session = sessionId ? await this.keys.findSession(hashToken(sessionId)) : null;
    if (!session || session.expiresAt <= this.now()) throw unauthorized();
    return session;
  }

  /** Writes need the session's CSRF token in a header a cross-site form cannot set. */
  checkCsrf(session: AdminSession, sent: string | undefined): boolean {
    const expected = Buffer.from(session.csrfToken);
    const given = Buffer.from(sent ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  async signOut(sessionId: string | undefined): Promise<void> {
    if (sessionId) await this.keys.closeSession(hashToken(sessionId));
  }
}
