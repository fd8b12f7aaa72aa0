import type { Method } from './transport.js';

/** What to do with an answer: follow its redirect to `follow`, refuse it for `refuse`, or (undefined) take it as the answer. */
export type RedirectStep = { follow: string } | { refuse: string; location: string };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Redirects followed for one request before the next is refused. */
export const MAX_REDIRECTS = 5;

/**
 * The one rule for redirects (fetch runs with `redirect: 'manual'`): the access token goes to the
 * API's own origin only, so a redirect is followed only within the origin it came from, keeping the
 * method and body. A 301/302/303 of a write is refused, since following it would drop the body
 * (fetch makes it a GET); a 307/308 keeps both. `hops` is the redirects followed so far.
 */
export function redirectStep(status: number, location: string | null, from: string, method: Method, hops: number): RedirectStep | undefined {
  if (!REDIRECTS.has(status) || location === null) return undefined;
  let target: URL;
  try {
    target = new URL(location, from);
  } catch {
    return { refuse: 'the Location is not a URL', location };
  }
  if (target.origin !== new URL(from).origin) return { refuse: `another origin than ${new URL(from).origin}, and the access token goes to the API's own only`, location };
  if (method !== 'GET' && status !== 307 && status !== 308) return { refuse: `following it would turn the ${method} into a GET without its body`, location };
  if (hops >= MAX_REDIRECTS) return { refuse: `more than ${MAX_REDIRECTS} redirects in a row`, location };
  return { follow: target.href };
}
