import type { Kysely } from 'kysely';
import type { DialectName } from './dialect-name.js';
import type { HotReads } from './hot-reads.js';
import type { ReadCache } from './read-cache.js';
import type { Schema } from './schema.js';

/**
 * What differs between the databases prodimg runs on, kept the way Kysely keeps a dialect: one object
 * per database (`sqlite/`, `postgres/`) made of a few small factories. The rest of storage is shared
 * Kysely code that never asks which database it is on.
 */
export interface DatabaseDialect {
  readonly name: DialectName;
  /** Opens the connections; nothing is opened before. */
  open(): DialectConnection;
}

export interface DialectConnection {
  db: Kysely<Schema>;
  /** Where the data lives, for messages: a file path or the URL without its password. */
  location: string;
  close(): Promise<void>;
  /** The reads every API request makes, as prepared statements straight on the driver. */
  createHotReads(): HotReads;
  notifyChange: NotifyChange;
  /**
   * Keeps a ReadCache true to writes made by other processes, and switches it on only while that is
   * assured: an answered write must be visible to the next read through any server.
   */
  startChangeFeed(cache: ReadCache, onError: (err: unknown) => void, timing: FeedTiming): Promise<ChangeFeed>;
  /** Inserts straight through the driver in large transactions, for seeding. */
  createBulkWriter(): BulkWriter;
}

/** Tells other server processes that a product's images changed; sent inside the changing transaction. */
export type NotifyChange = (trx: Kysely<Schema>, productId: string) => Promise<void>;

export interface ChangeFeed {
  /**
   * Resolves once the cache has dropped what every commit made before the call changed, which the
   * feed would otherwise do at its next poll (SQLite) or notification (PostgreSQL): what a test
   * waits on after a write, instead of a poll's time.
   */
  caughtUp(): Promise<void>;
  close(): Promise<void>;
}

/** How PostgreSQL servers hear of each other (SQLite's feed keeps presence.ts's own timing). */
export interface FeedTiming {
  /** How often each PostgreSQL server says it is there. */
  heartbeatMs: number;
  /** How long without word from another server before the cache goes on. */
  quietMs: number;
}

/** Rows for one table, each an array of values in `columns` order. */
export interface BulkInsert {
  table: 'products' | 'images' | 'variants';
  columns: readonly string[];
  rows: unknown[][];
}

export interface BulkWriter {
  /** Inserts all the rows in one transaction. */
  write(inserts: BulkInsert[]): Promise<void>;
  /** Makes what was written durable, once the last batch is in. */
  finish(): Promise<void>;
}
