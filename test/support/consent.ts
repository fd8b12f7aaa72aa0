import { request } from 'undici';
import { goQueryEncode } from '../../src/domain/oauth-hmac.js';

export interface PageAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * A browser's side of the consent step over real HTTP to a store's host: the authorize page, the
 * sign-in form and the decision, each with the consent cookie once there is one.
 */
export function consentBrowser(base: string, host: string) {
  let cookie: string | undefined;
  const send = async (method: 'GET' | 'POST', path: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<PageAnswer> => {
    const res = await request(`${base}${path}`, {
      method,
      headers: { host, ...(cookie ? { cookie } : {}), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...headers },
      ...(form ? { body: goQueryEncode(form) } : {}),
    });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  };
  return {
    get cookie() {
      return cookie;
    },
    set cookie(value: string | undefined) {
      cookie = value;
    },
    authorize: (query: Record<string, string>) => send('GET', `/admin/oauth/authorize?${goQueryEncode(query)}`),
    /** Posts the sign-in form; keeps the session cookie it sets. */
    async signIn(query: Record<string, string>, key: string, headers?: Record<string, string>) {
      const res = await send('POST', '/admin/oauth/sign-in', { ...query, key }, headers);
      const set = res.headers['set-cookie'];
      if (res.status === 303 && set) cookie = String(set).split(';')[0];
      return res;
    },
    decide: (form: Record<string, string>, headers?: Record<string, string>) => send('POST', '/admin/oauth/authorize', form, headers),
  };
}

/** The hidden fields of a page's first form, as a browser would post them. */
export function hiddenFieldsOf(page: string): Record<string, string> {
  const form = /<form[^>]*>([\s\S]*?)<\/form>/.exec(page)?.[1] ?? '';
  const unescape = (text: string) => text.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
  return Object.fromEntries([...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, unescape(m[2]!)]));
}

/** The consent form's CSRF token, read from the page as a browser would submit it. */
export function csrfTokenOf(page: string): string {
  const token = /name="csrf_token" value="([0-9a-f]+)"/.exec(page)?.[1];
  if (!token) throw new Error(`no csrf_token on the page: ${page.slice(0, 300)}`);
  return token;
}
