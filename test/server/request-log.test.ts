import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/server/request-log.js';

describe('redactUrl', () => {
  it.each([
    ['/openapi/2022-01/products', '/openapi/2022-01/products'],
    ['/openapi/2022-01/products?per_page=2', '/openapi/2022-01/products?per_page=2'],
    ['/x?access_token=abc', '/x?access_token=[REDACTED]'],
    ['/x?per_page=2&Access-Token=abc&cursor=c', '/x?per_page=2&Access-Token=[REDACTED]&cursor=c'],
    ['/x?access%5Ftoken=abc', '/x?access%5Ftoken=[REDACTED]'],
    ['/cdn/a.jpg?X-Amz-Signature=s&X-Amz-Credential=c&width=400', '/cdn/a.jpg?X-Amz-Signature=[REDACTED]&X-Amz-Credential=[REDACTED]&width=400'],
    ['/x?api_key=k&password=p&client_secret=s', '/x?api_key=[REDACTED]&password=[REDACTED]&client_secret=[REDACTED]'],
    ['/x?token', '/x?token'],
    ['/x#access_token=abc', '/x'],
    ['https://user:pass@example.com/a?b=1', 'https://example.com/a?b=1'],
    ['/x?%zz=1', '/x?%zz=1'],
  ])('%s -> %s', (url, logged) => {
    expect(redactUrl(url)).toBe(logged);
  });
});
