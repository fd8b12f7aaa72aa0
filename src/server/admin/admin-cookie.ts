/** The admin page's session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
export const ADMIN_COOKIE = 'prodimg_admin';

export function sessionCookie(sessionId: string, maxAgeMs: number, secure: boolean): string {
  const attributes = [`${ADMIN_COOKIE}=${sessionId}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.floor(maxAgeMs / 1000)}`];
  if (secure) attributes.push('Secure');
  return attributes.join('; ');
}

/** Tells the browser to forget the session (sign-out, or a cookie that names no session). */
export function clearedCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}

/** The session id a Cookie header carries, if any. Pure, for the table test. */
export function sessionIdOf(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === ADMIN_COOKIE) return value.join('=') || undefined;
  }
  return undefined;
}
