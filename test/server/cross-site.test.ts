import { describe, expect, it } from 'vitest';
import { crossSiteReason } from '../../src/server/cross-site.js';

const HOST = 'alpha.myshoplaza.localhost:8080';

describe('a form post from another site', () => {
  it.each<[string, { origin?: string; 'sec-fetch-site'?: string }, string | undefined, string | null]>([
    ['neither header (curl)', {}, HOST, null],
    ['same origin', { origin: 'http://alpha.myshoplaza.localhost:8080', 'sec-fetch-site': 'same-origin' }, HOST, null],
    ['typed by the user', { 'sec-fetch-site': 'none' }, HOST, null],
    ['the default port written or not', { origin: 'https://alpha.myshoplaza.localhost' }, 'alpha.myshoplaza.localhost:443', null],
    ['host case', { origin: 'http://ALPHA.myshoplaza.localhost:8080' }, HOST, null],
    ['another site', { origin: 'https://evil.example' }, HOST, 'it was sent from another site (Origin: https://evil.example)'],
    ['another store (same site, not same origin)', { origin: 'http://beta.myshoplaza.localhost:8080' }, HOST, 'it was sent from another site (Origin: http://beta.myshoplaza.localhost:8080)'],
    ['another port', { origin: 'http://alpha.myshoplaza.localhost:9090' }, HOST, 'it was sent from another site (Origin: http://alpha.myshoplaza.localhost:9090)'],
    ['an opaque origin', { origin: 'null' }, HOST, 'it was sent from another site (Origin: null)'],
    ['no Host to compare with', { origin: 'http://alpha.myshoplaza.localhost:8080' }, undefined, 'it was sent from another site (Origin: http://alpha.myshoplaza.localhost:8080)'],
    ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }, HOST, 'it was sent from another site (Sec-Fetch-Site: cross-site)'],
    ['Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site' }, HOST, 'it was sent from another site (Sec-Fetch-Site: same-site)'],
    ['Sec-Fetch-Site first, even with a matching Origin', { origin: 'http://alpha.myshoplaza.localhost:8080', 'sec-fetch-site': 'cross-site' }, HOST, 'it was sent from another site (Sec-Fetch-Site: cross-site)'],
  ])('%s', (_what, headers, host, expected) => {
    expect(crossSiteReason(headers, host)).toBe(expected);
  });
});
