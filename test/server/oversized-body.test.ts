import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi, V } from '../support/api.js';

const TOO_LARGE = { errors: ['Payload Too Large: the body exceeds 1 MiB'] };

// Not a database suite: the body is refused before any operation runs.
describe('an oversized body: the client gets to read the 413', () => {
  let api: TestApi;
  let url: string;
  beforeAll(async () => {
    api = await startApi('sqlite');
    url = `${api.base}${V}/products`;
  });
  afterAll(() => api.close());

  it('with fetch, every time (2 MiB with a Content-Length, and chunked)', async () => {
    const body = JSON.stringify({ product: { title: 'x'.repeat(2 * 1024 * 1024) } });
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      const chunked = i % 2 === 1;
      const sent = chunked
        ? new ReadableStream({
            start(controller) {
              for (let at = 0; at < body.length; at += 64 * 1024) controller.enqueue(new TextEncoder().encode(body.slice(at, at + 64 * 1024)));
              controller.close();
            },
          })
        : body;
      const outcome = await fetch(url, {
        method: 'POST',
        headers: { 'access-token': api.token, 'content-type': 'application/json' },
        body: sent,
        ...(chunked ? { duplex: 'half' } : {}),
      } as RequestInit).then(
        async (res) => `${res.status} ${JSON.stringify(await res.json())}`,
        (error: Error) => `failed: ${String((error.cause as Error | undefined)?.message ?? error.message)}`,
      );
      outcomes.push(outcome);
    }
    expect(outcomes).toEqual(Array.from({ length: 20 }, () => `413 ${JSON.stringify(TOO_LARGE)}`));
  });

  it('with http.request and Expect: 100-continue: the 413 comes before any body is sent', async () => {
    const answer = await new Promise<{ status: number; body: string; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = request(url, {
        method: 'POST',
        headers: { 'access-token': api.token, 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024), expect: '100-continue' },
      });
      req.on('continue', () => {
        continued = true;
        req.end(Buffer.alloc(2 * 1024 * 1024, 0x20));
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, continued }));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect({ ...answer, body: JSON.parse(answer.body) }).toEqual({ status: 413, body: TOO_LARGE, continued: false });
  });

  it('with http.request and Expect: 100-continue for a body within the limit: 100, then the answer', async () => {
    const payload = JSON.stringify({ product: { title: 'fits' } });
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, {
        method: 'POST',
        headers: { 'access-token': api.token, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), expect: '100-continue' },
      });
      req.on('continue', () => req.end(payload));
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(200);
  });
});
