import { describe, expect, it } from 'vitest';
import { CONSENT_COOKIE, clearedCookie, sessionCookie, sessionIdOf } from '../../src/server/admin/admin-cookie.js';
import { thumbnailSize } from '../../src/server/admin/gallery.js';

describe('the admin session cookie', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['prodimg_admin=abc', 'abc'],
    ['theme=dark; prodimg_admin=abc; other=1', 'abc'],
    ['prodimg_admin=', undefined],
    ['xprodimg_admin=abc', undefined],
    ['prodimg_admin=a=b', 'a=b'],
  ])('%j names session %j', (header, expected) => {
    expect(sessionIdOf(header)).toBe(expected);
  });

  it('is HttpOnly, SameSite=Strict, for the whole site, with an expiry; Secure over HTTPS', () => {
    expect(sessionCookie('abc', 8 * 3600 * 1000, false)).toBe('prodimg_admin=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=28800');
    expect(sessionCookie('abc', 1000, true)).toBe('prodimg_admin=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=1; Secure');
    expect(clearedCookie(true)).toBe('prodimg_admin=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure');
  });

  it("of the consent page is HttpOnly, SameSite=Lax (the app's redirect arrives cross-site), for /admin/oauth only, and apart from the admin page's", () => {
    expect(sessionCookie('abc', 8 * 3600 * 1000, true, CONSENT_COOKIE)).toBe('prodimg_consent=abc; Path=/admin/oauth; HttpOnly; SameSite=Lax; Max-Age=28800; Secure');
    expect(clearedCookie(false, CONSENT_COOKIE)).toBe('prodimg_consent=; Path=/admin/oauth; HttpOnly; SameSite=Lax; Max-Age=0');
    expect(sessionIdOf('prodimg_admin=abc', CONSENT_COOKIE)).toBeUndefined();
    expect(sessionIdOf('prodimg_admin=abc; prodimg_consent=def', CONSENT_COOKIE)).toBe('def');
    expect(sessionIdOf('prodimg_consent=def')).toBeUndefined();
  });
});

describe('the thumbnail width', () => {
  it.each([
    [[100, 160, 240], 160],
    [[100, 200, 400], 200],
    [[50, 100], 100],
    [[], null],
  ])('of sizes %j is %j', (sizes, expected) => {
    expect(thumbnailSize(sizes)).toBe(expected);
  });
});
