import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import type { ChangeFeed, FeedTiming, NotifyChange } from '../database-dialect.js';
import type { ReadCache } from '../read-cache.js';

const CHANNEL = 'prodimg_images';

/** PostgreSQL delivers the notification on commit, and not at all on rollback. */
export const notifyPostgresChange: NotifyChange = async (trx, productId) => {
  await sql`SELECT pg_notify(${CHANNEL}, ${productId})`.execute(trx);
};

/**
 * A notification reaches other servers a little after the commit, so it cannot promise
 * read-after-write across servers. The cache is therefore on only while this server is the one
 * prodimg server on the database. Each server LISTENs on a connection of its own (a product id drops
 * that product from the cache), says `hello` when it starts and `here` every heartbeat, and answers a
 * `hello` with a `here`. Word from another server switches the cache off at once; it goes back on
 * only after a quiet period with none. If the connection fails the cache is off until it is back.
 */
export async function startPostgresChangeFeed(
  pool: pg.Pool,
  cache: ReadCache,
  onError: (err: unknown) => void,
  timing: FeedTiming,
): Promise<ChangeFeed> {
  let closed = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | undefined;
  const me = randomUUID();
  // Until a whole quiet period has passed without word from another server, assume there is one.
  // Measured on the monotonic clock: a wall clock stepping forward must not end the period early.
  let peerHeardAt = performance.now();
  const say = (kind: 'hello' | 'here') => pool.query('SELECT pg_notify($1, $2)', [CHANNEL, `${kind}:${me}`]).then(() => {}, onError);
  /** caughtUp() calls waiting for their own marker: notifications arrive in commit order. */
  const markers = new Map<string, () => void>();
  const beat = setInterval(() => {
    if (!client || closed) return;
    void say('here');
    cache.setEnabled(performance.now() - peerHeardAt > timing.quietMs);
  }, timing.heartbeatMs);
  beat.unref();
  const connect = async () => {
    const next = new pg.Client(pool.options);
    const lost = (err?: unknown) => {
      if (client !== next) return;
      client = null;
      cache.setEnabled(false);
      if (err) onError(err);
      if (!closed) retry = setTimeout(() => void connect().catch(onError), 1000);
    };
    next.on('error', lost);
    next.on('end', () => lost());
    next.on('notification', (message) => {
      const payload = message.payload ?? '';
      const marker = /^caught-up:(.+)$/.exec(payload);
      const peer = /^(hello|here):(.+)$/.exec(payload);
      if (marker) {
        markers.get(marker[1]!)?.();
        markers.delete(marker[1]!);
      } else if (!peer) {
        if (payload) cache.invalidate(payload);
      } else if (peer[2] !== me) {
        peerHeardAt = performance.now();
        cache.setEnabled(false);
        // A newcomer must learn about us before its own quiet period ends.
        if (peer[1] === 'hello') void say('here');
      }
    });
    client = next;
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANNEL}`);
      peerHeardAt = performance.now();
      await say('hello');
    } catch (err) {
      lost(err);
      await next.end().catch(() => {});
    }
  };
  await connect();
  return {
    caughtUp() {
      // Not listening: the cache is off, so there is nothing to drop.
      if (!client || closed) return Promise.resolve();
      const id = `${me}:${randomUUID()}`;
      return new Promise<void>((resolve, reject) => {
        markers.set(id, resolve);
        pool.query('SELECT pg_notify($1, $2)', [CHANNEL, `caught-up:${id}`]).catch((err: unknown) => {
          markers.delete(id);
          reject(err);
        });
      });
    },
    async close() {
      closed = true;
      for (const resolve of markers.values()) resolve();
      markers.clear();
      clearTimeout(retry);
      clearInterval(beat);
      cache.setEnabled(false);
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}
