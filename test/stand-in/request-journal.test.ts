import { describe, expect, it } from 'vitest';
import { JOURNAL_MAX, JOURNAL_MAX_BYTES, REDACTED, redactSecrets, RequestJournal } from '../../src/stand-in/request-journal.js';

const entry = (n: number, body: unknown = null) => ({ method: 'GET', path: `/openapi/2022-01/products/${n}`, status: 200, body, request_id: String(n) });

describe('the request journal', () => {
  it('keeps the last JOURNAL_MAX requests, oldest first, and counts those dropped', () => {
    const journal = new RequestJournal();
    for (let n = 0; n < JOURNAL_MAX + 5; n++) journal.record(entry(n));
    const { requests, dropped } = journal.list();
    expect(requests).toHaveLength(JOURNAL_MAX);
    expect(requests[0]!.request_id).toBe('5');
    expect(dropped).toBe(5);
    journal.clear();
    expect(journal.list()).toEqual({ requests: [], dropped: 0 });
  });

  it('keeps its bodies within JOURNAL_MAX_BYTES', () => {
    const journal = new RequestJournal();
    const big = { product: { description: 'x'.repeat(1024 * 1024) } };
    const fit = Math.floor(JOURNAL_MAX_BYTES / JSON.stringify(big).length);
    for (let n = 0; n < fit + 3; n++) journal.record(entry(n, big));
    const { requests, dropped } = journal.list();
    expect(requests.length).toBeLessThanOrEqual(fit);
    expect(requests.length + dropped).toBe(fit + 3);
    expect(requests.at(-1)!.request_id).toBe(String(fit + 2));
  });
});

describe('the journal redacts secrets at record time', () => {
  it.each([
    // [body sent, body journaled]
    [{ client_id: 'app', client_secret: 's3cret', code: 'c0de', grant_type: 'authorization_code' }, { client_id: 'app', client_secret: REDACTED, code: REDACTED, grant_type: 'authorization_code' }],
    [{ grant_type: 'refresh_token', refresh_token: 'r1' }, { grant_type: 'refresh_token', refresh_token: REDACTED }],
    [{ webhook: { address: 'http://x', access_token: 'a', 'Access-Token': 'b', Token: 'c', nested: [{ api_secret: 'd', id_token: { deep: 1 } }] } }, { webhook: { address: 'http://x', access_token: REDACTED, 'Access-Token': REDACTED, Token: REDACTED, nested: [{ api_secret: REDACTED, id_token: REDACTED }] } }],
    // Names that only contain the words are not secrets.
    [{ product: { title: 'Barcode', barcode: '123', tokens_used: 3, code_name: 'x' } }, { product: { title: 'Barcode', barcode: '123', tokens_used: 3, code_name: 'x' } }],
    [null, null],
    ['code', 'code'],
  ])('%j -> %j', (body, journaled) => {
    const journal = new RequestJournal();
    journal.record(entry(1, body));
    expect(journal.list().requests[0]!.body).toEqual(journaled);
  });

  it.each([
    ['/openapi/2022-01/products?limit=5', '/openapi/2022-01/products?limit=5'],
    ['/admin/oauth/token?client_id=app&client_secret=s&code=c', `/admin/oauth/token?client_id=app&client_secret=${REDACTED}&code=${REDACTED}`],
    // A bare name has no value to hide.
    ['/x?access%5Ftoken=a&Access-Token=b&state=ok&code', `/x?access%5Ftoken=${REDACTED}&Access-Token=${REDACTED}&state=ok&code`],
    ['/openapi/2022-01/variants?barcode=123&keyword=x', '/openapi/2022-01/variants?barcode=123&keyword=x'],
    ['/x?%zz=1&refresh_token=', `/x?%zz=1&refresh_token=${REDACTED}`],
  ])('%s -> %s', (path, journaled) => {
    const journal = new RequestJournal();
    journal.record({ ...entry(1), path });
    expect(journal.list().requests[0]!.path).toBe(journaled);
  });

  it('leaves the body it was given as it was (the handler may still read it)', () => {
    const body = { client_secret: 's3cret' };
    new RequestJournal().record(entry(1, body));
    expect(body).toEqual({ client_secret: 's3cret' });
    expect(redactSecrets(body)).toEqual({ client_secret: REDACTED });
  });
});
