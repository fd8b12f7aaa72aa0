import { type Kysely, sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { startPresence } from './presence.js';
import type { Database } from './database.js';
import type { ReadCache } from './read-cache.js';
import type { Schema } from './schema.js';

const CHANNEL = 'prodimg_images';

/** Tells other server processes that a product's images changed; sent inside the changing transaction. */
export type NotifyChange = (trx: Kysely<Schema>, productId: string) => Promise<void>;

export function changeNotifier(database: Database): NotifyChange {
  if (database.dialect === 'sqlite') return async () => {};
  // PostgreSQL delivers it on commit, and not at all on rollback.
  return async (trx, productId) => {
    await sql`SELECT pg_notify(${CHANNEL}, ${productId})`.execute(trx);
  };
}

export interface ChangeFeed {
  close(): Promise<void>;
}

/**
 * Keeps a ReadCache true to writes made by other processes, and switches it on only while that is
 * assured: an answered write must be visible to the next read through any server.
 * - SQLite: `PRAGMA data_version` on the read connection changes whenever another connection has
 *   committed, and a change empties the cache. It is checked before every cached read, except while
 *   this server knows it is the only one on the database (presence.ts): then every 200 ms.
 * - PostgreSQL: a notification reaches other servers a little after the commit, so it cannot promise
 *   read-after-write across servers. The cache is therefore on only while this server is the one
 *   prodimg server on the database. Each server LISTENs on a connection of its own (a product id
 *   drops that product from the cache), says `hello` when it starts and `here` every heartbeat, and
 *   answers a `hello` with a `here`. Word from another server switches the cache off at once; it
 *   goes back on only after a quiet period with none. If the connection fails the cache is off until
 *   it is back.
 */
export interface FeedTiming {
  /** How often each PostgreSQL server says it is there. */
  heartbeatMs: number;
  /** How long without word from another server before the cache goes on. */
  quietMs: number;
}

export async function startChangeFeed(
  database: Database,
  cache: ReadCache,
  onError: (err: unknown) => void,
  // Quiet for three heartbeats: one late heartbeat of a live peer never turns the cache on.
  timing: FeedTiming = { heartbeatMs: 500, quietMs: 1500 },
): Promise<ChangeFeed> {
  const raw = database.raw;
  if (raw.dialect === 'sqlite') {
    const version = raw.reader().prepare('PRAGMA data_version').pluck();
    let seen = version.get();
    const sync = () => {
      const current = version.get();
      if (current !== seen) {
        seen = current;
        cache.clear();
      }
    };
    const presence = startPresence(join(dirname(database.location), 'servers.sqlite'), sync, onError);
    cache.beforeRead = () => {
      if (!presence.alone()) sync();
    };
    cache.beforeWrite = () => presence.settle();
    cache.setEnabled(true);
    return {
      close: async () => {
        cache.setEnabled(false);
        presence.close();
      },
    };
  }

  let closed = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | undefined;
  const me = randomUUID();
  // Until a whole quiet period has passed without word from another server, assume there is one.
  let peerHeardAt = Date.now();
  const say = (kind: 'hello' | 'here') => raw.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, `${kind}:${me}`]).then(() => {}, onError);
  const beat = setInterval(() => {
    if (!client || closed) return;
    void say('here');
    cache.setEnabled(Date.now() - peerHeardAt > timing.quietMs);
  }, timing.heartbeatMs);
  beat.unref();
  const connect = async () => {
    const next = new pg.Client(raw.pool.options);
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
      const peer = /^(hello|here):(.+)$/.exec(payload);
      if (!peer) {
        if (payload) cache.invalidate(payload);
      } else if (peer[2] !== me) {
        peerHeardAt = Date.now();
        cache.setEnabled(false);
        // A newcomer must learn about us before its own quiet period ends.
        if (peer[1] === 'hello') void say('here');
      }
    });
    client = next;
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANNEL}`);
      peerHeardAt = Date.now();
      await say('hello');
    } catch (err) {
      lost(err);
      await next.end().catch(() => {});
    }
  };
  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      clearInterval(beat);
      cache.setEnabled(false);
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}
