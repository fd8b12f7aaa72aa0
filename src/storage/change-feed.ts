import { type Kysely, sql } from 'kysely';
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
 * assured.
 * - PostgreSQL: LISTEN on a connection of its own; each notification drops that product. If the
 *   connection fails the cache is switched off (and emptied) until it is back.
 * - SQLite: `PRAGMA data_version` on the read connection changes whenever another connection
 *   commits; it is checked before a cached read, at most once a millisecond, and any change empties
 *   the cache. A write by another process is therefore seen at most ~1 ms late.
 */
export async function startChangeFeed(database: Database, cache: ReadCache, onError: (err: unknown) => void): Promise<ChangeFeed> {
  const raw = database.raw;
  if (raw.dialect === 'sqlite') {
    const version = raw.reader().prepare('PRAGMA data_version').pluck();
    let seen = version.get();
    let checkedAt = 0;
    cache.beforeRead = () => {
      const now = performance.now();
      if (now - checkedAt < 1) return;
      checkedAt = now;
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
      if (message.payload) cache.invalidate(message.payload);
    });
    client = next;
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANNEL}`);
      if (client === next && !closed) cache.setEnabled(true);
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
      cache.setEnabled(false);
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}
