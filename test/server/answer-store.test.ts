import { describe, expect, it } from 'vitest';
import { AnswerStore, answerKey } from '../../src/server/fast-read/answer-store.js';

describe('AnswerStore', () => {
  it('keeps the bytes of each version apart for one result', () => {
    const store = new AnswerStore();
    const result = { id: 'x' };
    store.put(result, answerKey('2022-01', [], {}), Buffer.from('{"image":{}}'));
    expect(store.get(result, answerKey('2025-06', [], {}))).toBeUndefined();
    store.put(result, answerKey('2025-06', [], {}), Buffer.from('{"code":"Success","data":{"image":{}}}'));
    expect(store.get(result, answerKey('2022-01', [], {}))?.toString()).toBe('{"image":{}}');
    expect(store.get(result, answerKey('2025-06', [], {}))?.toString()).toBe('{"code":"Success","data":{"image":{}}}');
    expect(store.get({ id: 'x' }, answerKey('2022-01', [], {})), 'another object, even an equal one, has no bytes').toBeUndefined();
  });

  it('keys on the values of the headers the answers vary on', () => {
    const vary = ['host'];
    const a = answerKey('2022-01', vary, { host: 'a.example:8080' });
    expect(answerKey('2022-01', vary, { host: 'b.example:8080' })).not.toBe(a);
    expect(answerKey('2022-01', vary, { host: 'a.example:8080', 'user-agent': 'x' })).toBe(a);
    expect(answerKey('2022-01', vary, {})).not.toBe(a);
  });
});
