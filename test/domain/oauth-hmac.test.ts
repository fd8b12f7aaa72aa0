import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { goQueryEncode, hmacMatches, oauthHmac } from '../../src/domain/oauth-hmac.js';

describe("Go's url.Values.Encode, as the platform's OAuth SDK signs callbacks", () => {
  it.each([
    [{ state: 'a b~c*' }, 'state=a+b~c%2A'],
    [{ b: '1', a: '2', B: '3' }, 'B=3&a=2&b=1'],
    [{ x: "!'()*" }, 'x=%21%27%28%29%2A'],
    [{ x: '-_.~' }, 'x=-_.~'],
    [{ x: 'é/?&=+' }, 'x=%C3%A9%2F%3F%26%3D%2B'],
    [{ 'a b': '' }, 'a+b='],
  ])('%o -> %s', (params, encoded) => {
    expect(goQueryEncode(params)).toBe(encoded);
  });

  it('signs every parameter but hmac, as lower-case hex', () => {
    const params = { code: 'c0de', shop: 'alpha.myshoplaza.localhost', state: 'a b~c*', timestamp: '1700000000' };
    const expected = createHmac('sha256', 's3cret').update('code=c0de&shop=alpha.myshoplaza.localhost&state=a+b~c%2A&timestamp=1700000000').digest('hex');
    expect(oauthHmac('s3cret', { ...params, hmac: 'ignored' })).toBe(expected);
    expect(hmacMatches('s3cret', { ...params, hmac: expected })).toBe(true);
    expect(hmacMatches('s3cret', { ...params, state: 'a b~c', hmac: expected })).toBe(false);
    expect(hmacMatches('other', { ...params, hmac: expected })).toBe(false);
  });
});
