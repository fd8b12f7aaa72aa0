/** Where a session cookie is sent: its name, path and SameSite rule. */
export interface CookieKind {
  name: string;
  path: string;
  sameSite: 'Strict' | 'Lax';
}

/** The admin page's session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
export const ADMIN_COOKIE = 'prodimg_admin';
const ADMIN: CookieKind = { name: ADMIN_COOKIE, path: '/', sameSite: 'Strict' };

/**
 * The OAuth consent page's session, on a store's own host: SameSite=Lax, since the merchant arrives
 * there from the app's site (a cross-site navigation, which Strict would send without the cookie);
 * only below /admin/oauth, so the admin API never takes it.
 */
export const CONSENT_COOKIE: CookieKind = { name: 'prodimg_consent', path: '/admin/oauth', sameSite: 'Lax' };

export function sessionCookie(sessionId: string, maxAgeMs: number, secure: boolean, kind: CookieKind = ADMIN): string {
  const attributes = [`${kind.name}=${sessionId}`, `Path=${kind.path}`, 'HttpOnly', `SameSite=${kind.sameSite}`, `Max-Age=${Math.floor(maxAgeMs / 1000)}`];
  if (secure) attributes.push('Secure');
  return attributes.join('; ');
}

/** Tells the browser to forget the session (sign-out, or a cookie that names no session). */
export function clearedCookie(secure: boolean, kind: CookieKind = ADMIN): string {
  return sessionCookie('', 0, secure, kind);
}

/** The session id a Cookie header carries, if any. Pure, for the table test. */
export function sessionIdOf(cookieHeader: string | undefined, kind: CookieKind = ADMIN): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === kind.name) return value.join('=') || undefined;
  }
  return undefined;
}
