import { describe, expect, it } from 'vitest';
import { errorAnswer } from '../../src/contract/error-catalogue.js';
import { overloaded, rateLimited } from '../../src/domain/errors.js';

describe('error facts by name', () => {
  it.each([
    ['RateLimited', rateLimited("the app's bucket is full", 7), 429, "Too Many Requests: the app's bucket is full", '7'],
    ['Overloaded with a wait', overloaded('downloads are saturated', 3), 503, 'Service Unavailable: downloads are saturated', '3'],
    ['Overloaded without one', overloaded('downloads are saturated'), 503, 'Service Unavailable: downloads are saturated', '1'],
  ])('%s: the words from messages, Retry-After from facts.retryAfterSeconds', (_name, error, status, words, retryAfter) => {
    expect(error.messages).toEqual([words.replace(/^[^:]+: /, '')]);
    const answer = errorAnswer('classic', error.code, error.messages, error.facts);
    expect(answer).toEqual({ status, body: { errors: [words] }, headers: { 'retry-after': retryAfter } });
    expect(errorAnswer('envelope', error.code, error.messages, error.facts).body).toMatchObject({ message: words });
  });
});
