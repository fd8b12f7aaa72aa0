import { type Kysely, sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
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
 *   committed; it is checked before every cached read, and a change empties the cache.
 * - PostgreSQL: a notification reaches other servers a little after the commit, so it cannot promise
 *   read-after-write across servers. The cache is therefore on only while this server is the one
 *   prodimg server on the database: it LISTENs on a connection of its own (each notification drops
 *   that product from the cache), announces itself, and counts the listening servers; any other
 *   server announcing itself, or found by the recount every few seconds, switches the cache off. If
 *   the connection fails the cache is off until it is back.
 */
export async function startChangeFeed(database: Database, cache: ReadCache, onError: (err: unknown) => void): Promise<ChangeFeed> {
  const raw = database.raw;
  if (raw.dialect === 'sqlite') {
    const version = raw.reader().prepare('PRAGMA data_version').pluck();
    let seen = version.get();
    cache.beforeRead = () => {
      const current = version.get();
      if (current !== seen) {
        seen = current;
        cache.clear();
      }
    };
    cache.setEnabled(true);
    return { close: async () => cache.setEnabled(false) };
  }

  let closed = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | undefined;
  const me = `hello:${randomUUID()}`;
  // Run on the pool, not the listening connection, whose last query must stay the LISTEN (that is how
  // pg_stat_activity shows the listening servers).
  const alone = async () => {
    const { rows } = await raw.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN ${CHANNEL}'`,
    );
    return (rows[0]?.n ?? 0) <= 1;
  };
  const recount = setInterval(() => {
    if (!client || closed) return;
    alone().then((only) => {
      if (client && !closed) cache.setEnabled(only);
    }, onError);
  }, 5000);
  recount.unref();
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
      if (payload.startsWith('hello:')) {
        if (payload !== me) cache.setEnabled(false);
      } else if (payload) cache.invalidate(payload);
    });
    client = next;
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANNEL}`);
      await raw.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, me]);
      const only = await alone();
      if (client === next && !closed) cache.setEnabled(only);
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
      clearInterval(recount);
      cache.setEnabled(false);
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}
