import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { wireContexts } from '../../src/server/wire-context.js';

const listen = () => '127.0.0.1:8080';

describe('wireContexts: the CDN base of answers', () => {
  it.each([
    ['the Host when nothing is set', { cdnHost: undefined, publicUrl: undefined }, 'shop.example:9000', '//shop.example:9000/cdn'],
    ['the listen address without a Host', { cdnHost: undefined, publicUrl: undefined }, undefined, '//127.0.0.1:8080/cdn'],
    ['PRODIMG_PUBLIC_URL without a Host', { cdnHost: undefined, publicUrl: '//prodimg.example.com/api' }, undefined, '//prodimg.example.com/api/cdn'],
    ['the Host before PRODIMG_PUBLIC_URL', { cdnHost: undefined, publicUrl: '//prodimg.example.com' }, 'shop.example', '//shop.example/cdn'],
    ['PRODIMG_CDN_HOST before anything', { cdnHost: 'cdn.example.com/i', publicUrl: '//prodimg.example.com' }, 'shop.example', '//cdn.example.com/i'],
    ['PRODIMG_CDN_HOST without a Host', { cdnHost: 'cdn.example.com', publicUrl: undefined }, undefined, '//cdn.example.com'],
  ])('%s', (_what, settings, host, base) => {
    expect(wireContexts({ ...settings, listenAddress: listen })(host).cdnBase).toBe(base);
  });

  it('takes every base it could have answered with as our own', () => {
    const context = wireContexts({ cdnHost: 'cdn.example.com', publicUrl: '//prodimg.example.com', listenAddress: listen })('shop.example');
    expect(context.ownBases).toEqual(['//cdn.example.com', '//shop.example/cdn', '//prodimg.example.com/cdn', '//127.0.0.1:8080/cdn']);
  });
});

describe('PRODIMG_PUBLIC_URL', () => {
  it.each([
    ['https://prodimg.example.com', '//prodimg.example.com'],
    ['http://10.0.0.5:8080/', '//10.0.0.5:8080'],
    ['https://example.com/prodimg/', '//example.com/prodimg'],
  ])('%s is kept as %s', (raw, kept) => {
    expect(loadConfig({ PRODIMG_PUBLIC_URL: raw }).publicUrl).toBe(kept);
  });

  it.each(['prodimg.example.com', 'ftp://x.example', 'https://x.example/?a=1', 'https://u:p@x.example'])('refuses %s', (raw) => {
    expect(() => loadConfig({ PRODIMG_PUBLIC_URL: raw })).toThrow(ConfigError);
  });
});
