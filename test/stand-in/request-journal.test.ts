import { describe, expect, it } from 'vitest';
import { JOURNAL_MAX, JOURNAL_MAX_BYTES, RequestJournal } from '../../src/stand-in/request-journal.js';

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
