import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { within } from './waiting.js';

/** One request the listener received, with whether its signature checked out against the secret. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  signed: boolean;
  /** What the listener answered. */
  status: number;
}

export interface WebhookListener {
  /** http://127.0.0.1:<port>/hooks */
  address: string;
  received: Received[];
  /** The secret signatures are checked with (settable once the test knows it). */
  secret: string;
  /** Status to answer each request with, by its order (from 0); 200 by default; 0 holds the request open, never answering. */
  answer: (index: number, request: Received) => number;
  /** Requests held open (answered 0) whose connection is still up, now and at most at once. */
  held: number;
  mostHeld: number;
  /** Resolves once `count` requests have arrived (at most WAIT_MS). */
  until(count: number, what?: string): Promise<Received[]>;
  close(): Promise<void>;
}

/** A real HTTP listener for deliveries: checks X-Shoplazza-Hmac-Sha256 over the raw body as an app would. */
export async function startWebhookListener(): Promise<WebhookListener> {
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const listener: WebhookListener = {
    address: '',
    received: [],
    secret: '',
    answer: () => 200,
    held: 0,
    mostHeld: 0,
    until: (count, what = `${count} webhook requests`) =>
      within(
        new Promise<void>((resolve) => {
          if (listener.received.length >= count) resolve();
          else waiters.push({ count, resolve });
        }),
        what,
      ).then(() => listener.received.slice()),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const expected = createHmac('sha256', listener.secret).update(raw).digest();
      const given = Buffer.from(String(req.headers['x-shoplazza-hmac-sha256'] ?? ''), 'base64');
      const entry: Received = { headers: req.headers, body: raw.toString('utf8'), signed: given.length === expected.length && timingSafeEqual(given, expected), status: 0 };
      entry.status = listener.answer(listener.received.length, entry);
      listener.received.push(entry);
      if (entry.status !== 0) {
        res.statusCode = entry.status;
        res.end();
      } else {
        listener.held++;
        listener.mostHeld = Math.max(listener.mostHeld, listener.held);
        // The sender gave up (its deadline) or the listener closed: no longer held.
        res.on('close', () => listener.held--);
      }
      for (const waiter of waiters.filter((w) => listener.received.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  listener.address = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return listener;
}
