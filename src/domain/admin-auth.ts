import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { generateToken, hashToken } from './auth-service.js';
import { DomainError, unauthorized, validation } from './errors.js';
import type { Shop } from './entities.js';
import type { Clock } from './ports.js';
import { newTokenPublicId } from './token-public-id.js';

/** What may be shown of an admin key: never the key, nor its hash. */
export interface AdminKeySummary {
  id: string;
  name: string;
  created_at: string;
  /** The store (its subdomain) the key is limited to; null: every store. */
  shop: string | null;
}

/** A key found by its hash: which one, and the id of the store it is limited to (null: every store). */
export interface AdminKeyFound {
  id: string;
  shopId: string | null;
}

/** A signed-in browser: the key it signed in with, its CSRF token and when it ends (unix ms). */
export interface AdminSession {
  keyId: string;
  csrfToken: string;
  expiresAt: number;
  /** From its key: the one store it may manage, or null for every store. */
  shopId: string | null;
}

export interface AdminKeyRepository {
  create(key: Omit<AdminKeySummary, 'shop'>, keyHash: string, shopId: string | null): Promise<void>;
  list(): Promise<AdminKeySummary[]>;
  findByHash(keyHash: string): Promise<AdminKeyFound | null>;
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

  /** A key for every store, or with `shop` one that manages (and approves apps for) that store only. */
  async createKey(name: string, shop?: Pick<Shop, 'id' | 'subdomain'>): Promise<AdminKeySummary & { key: string }> {
    const key = `pia_${generateToken()}`;
    const summary = { id: newTokenPublicId(), name, created_at: this.clock() };
    await this.keys.create(summary, hashToken(key), shop?.id ?? null);
    return { ...summary, shop: shop?.subdomain ?? null, key };
  }

  listKeys(): Promise<AdminKeySummary[]> {
    return this.keys.list();
  }

  async revokeKey(id: string): Promise<void> {
    if (!(await this.keys.revoke(id))) throw validation([`No admin key with id ${id}; \`prodimg admin-key list\` shows them`]);
  }

  /**
   * Trades a key for a new session: its id goes in the cookie, its CSRF token to the page. With
   * `forShop` (a store's id), a key limited to another store is refused (Forbidden) before any
   * session opens.
   */
  async signIn(key: string, forShop?: string): Promise<{ sessionId: string; session: AdminSession }> {
    const found = key === '' ? null : await this.keys.findByHash(hashToken(key));
    if (!found) throw unauthorized();
    if (forShop !== undefined && !mayManage(found, forShop)) throw new DomainError('Forbidden', ['this key manages another store']);
    await this.keys.sweepSessions(this.now());
    const sessionId = generateToken();
    const session = { keyId: found.id, csrfToken: randomBytes(24).toString('hex'), expiresAt: this.now() + ADMIN_SESSION_MS, shopId: found.shopId };
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
    return sameSecret(session.csrfToken, sent);
  }

  /**
   * The CSRF token of one consent form: an HMAC keyed by the session's own token over what approving
   * grants (`request`: store, app, redirect URI, scopes, state), so it fits no other session and no
   * other authorize request.
   */
  consentToken(session: AdminSession, request: readonly string[]): string {
    return createHmac('sha256', session.csrfToken).update(JSON.stringify(request)).digest('hex');
  }

  checkConsentToken(session: AdminSession, request: readonly string[], sent: string | undefined): boolean {
    return sameSecret(this.consentToken(session, request), sent);
  }

  async signOut(sessionId: string | undefined): Promise<void> {
    if (sessionId) await this.keys.closeSession(hashToken(sessionId));
  }
}

/** Whether a session (or key) may manage this store (by id): a full key every store, a limited key its own. */
export function mayManage(holder: { shopId: string | null }, shopId: string): boolean {
  // Lower-cased: PostgreSQL reads a UUID in any case, and answers it in lower case.
  return holder.shopId === null || holder.shopId.toLowerCase() === shopId.toLowerCase();
}

function sameSecret(expected: string, sent: string | undefined): boolean {
  const want = Buffer.from(expected);
  const given = Buffer.from(sent ?? '');
  return given.length === want.length && timingSafeEqual(given, want);
}
