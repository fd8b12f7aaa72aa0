/**
 * Why a form post must be refused as sent from another site, or null when it was not: a
 * `Sec-Fetch-Site` other than same-origin (or none: typed or bookmarked by the user), or an `Origin`
 * whose host is not the request's own Host. Other stores' hosts count as other sites: they are
 * same-site, not same-origin. A client sending neither header (curl, an old browser) passes; the
 * checks behind this one (session, CSRF token) still apply. Pure, for the table test.
 */
export function crossSiteReason(headers: { origin?: string | undefined; 'sec-fetch-site'?: string | undefined }, host: string | undefined): string | null {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `it was sent from another site (Sec-Fetch-Site: ${site})`;
  const origin = headers.origin;
  if (origin === undefined) return null;
  return sameHost(origin, host) ? null : `it was sent from another site (Origin: ${origin})`;
}

/** The Origin's host against the Host header, each with its scheme's default port left out. */
function sameHost(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    const from = new URL(origin);
    if (from.protocol !== 'http:' && from.protocol !== 'https:') return false;
    return from.host === new URL(`${from.protocol}//${host}`).host;
  } catch {
    // `null` (a sandboxed or privacy-sensitive context) and anything unreadable.
    return false;
  }
}
