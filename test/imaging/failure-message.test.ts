import { describe, expect, it } from 'vitest';
import { byteSize, failureMessage } from '../../src/imaging/failure-message.js';

describe('failureMessage', () => {
  it.each([
    [{ kind: 'connect-timeout', ms: 10_000 }, 'Src could not be downloaded: connection timed out after 10s'],
    [{ kind: 'connect-timeout', ms: 250 }, 'Src could not be downloaded: connection timed out after 0.3s'],
    [{ kind: 'total-timeout', ms: 30_000 }, 'Src could not be downloaded: the download took longer than 30s'],
    [{ kind: 'status', status: 404 }, 'Src could not be downloaded: the server answered 404'],
    [{ kind: 'too-many-redirects', max: 5 }, 'Src could not be downloaded: too many redirects (maximum is 5)'],
    [{ kind: 'bad-redirect' }, 'Src could not be downloaded: the server redirected to an invalid or non-HTTP address'],
    [{ kind: 'host-not-found' }, 'Src could not be downloaded: the host name could not be resolved'],
    [{ kind: 'connection-refused' }, 'Src could not be downloaded: the connection was refused'],
    [{ kind: 'connection-failed', code: 'ECONNRESET' }, 'Src could not be downloaded: the connection failed'],
    [{ kind: 'tls-failed' }, 'Src could not be downloaded: the secure connection could not be established'],
    [{ kind: 'too-large', maxBytes: 20 * 1024 * 1024 }, 'Src is too large (maximum is 20 MB)'],
    [{ kind: 'private-address' }, 'Src points to a private address'],
    [{ kind: 'invalid-url' }, 'Src must be a valid URL'],
    [{ kind: 'unsupported', got: 'text/html' }, 'Src is not a supported image (got text/html)'],
    [{ kind: 'too-many-pixels', maxPixels: 50_000_000 }, 'Src image is too large (maximum is 50 megapixels)'],
    [{ kind: 'too-many-pixels', maxPixels: 1500 }, 'Src image is too large (maximum is 1500 pixels)'],
    [{ kind: 'corrupt' }, 'Src is not a valid image (the file is truncated or corrupt)'],
  ] as const)('%j', (reason, message) => {
    expect(failureMessage(reason)).toBe(message);
  });
});

describe('byteSize', () => {
  it.each([
    [20 * 1024 * 1024, '20 MB'],
    [1024 * 1024 * 1024, '1 GB'],
    [512 * 1024, '512 KB'],
    [1536 * 1024, '1536 KB'],
    [1000, '1000 bytes'],
    [0, '0 bytes'],
  ])('%d bytes is written %s', (bytes, text) => {
    expect(byteSize(bytes)).toBe(text);
  });
});
