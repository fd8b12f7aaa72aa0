import { createHmac, timingSafeEqual } from 'node:crypto';

const KEPT = /[A-Za-z0-9\-_.~]/;

/** One key or value escaped as Go's url.QueryEscape does: A-Z a-z 0-9 - _ . ~ kept, space as +, every other byte %XX upper case. */
function goEscape(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (byte < 0x80 && KEPT.test(char)) out += char;
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Parameters encoded as Go's url.Values.Encode(): keys sorted bytewise, `key=value` joined by `&`.
 * The platform's OAuth SDK signs and checks exactly this string (URLSearchParams differs for
 * `~ ! ' ( ) *` and spaces).
 */
export function goQueryEncode(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((key) => `${goEscape(key)}=${goEscape(params[key]!)}`)
    .join('&');
}

/** The `hmac` of a callback or an app-install call: lower-case hex HMAC-SHA256 of the other parameters, with the client secret as key. */
export function oauthHmac(clientSecret: string, params: Readonly<Record<string, string>>): string {
  const { hmac: _ignored, ...rest } = params;
  return createHmac('sha256', clientSecret).update(goQueryEncode(rest)).digest('hex');
}

export function hmacMatches(clientSecret: string, params: Readonly<Record<string, string>>): boolean {
  const given = Buffer.from(params.hmac ?? '', 'utf8');
  const expected = Buffer.from(oauthHmac(clientSecret, params), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
