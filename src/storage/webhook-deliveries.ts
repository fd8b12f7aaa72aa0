import { type Kysely, type RawBuilder, sql } from 'kysely';
import { type DatabaseClock, databaseClock } from './database-clock.js';
import type { DialectName } from './dialect-name.js';
import type { Schema } from './schema.js';

/** A delivery claimed for one attempt: what to send and where, and the lease that proves the claim. */
export interface ClaimedDelivery {
  id: string;
  shopId: string;
  subdomain: string;
  appId: string | null;
  topic: string;
  address: string;
  apiVersion: string;
  /** This attempt's number, from 1; `round` counts from the last redeliver. */
  attempt: number;
  round: number;
  /** `lease_until` as the claim wrote it (the database's clock): finishing matches it exactly. */
  lease: string;
  /** The stored event: `{"product": <domain product>}` or the payload itself. */
  content: Record<string, unknown>;
}

export type AttemptOutcome = { ok: true; statusCode: number; durationMs: number } | { ok: false; statusCode: number | null; error: string; durationMs: number };

/** How many deliveries one claim may take, and the in-flight caps it must respect (all processes together). */
export interface ClaimCaps {
  /** This process's free slots: the most it takes now. */
  slots: number;
  /** Leases live at once for one store. */
  perStore: number;
  /** Leases live at once for one address (the subscription's URL, whatever the store). */
  perAddress: number;
}

/** The advisory lock PostgreSQL claimers take turns on (any constant unique to this use). */
const CLAIM_LOCK = 0x77656268; // "webh"

/**
 * The outbox's sending side, shared by every server process on the database. A claim is one UPDATE
 * that takes due deliveries under a lease (checked again on the row updated). A process that dies
 * holding a lease loses it when it runs out; its attempt is then made again, and until then the
 * lease counts against its store's and address's caps. Every time written or compared here comes
 * from `clock`: the database's (database-clock.ts), so servers whose clocks disagree agree on leases.
 */
export class WebhookDeliveries {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly dialect: DialectName,
    private readonly clock: DatabaseClock = databaseClock(dialect),
  ) {}

  /**
   * Claims at most `caps.slots` due deliveries, fairly: round-robin across stores (each store's
   * oldest due first, then each store's second...), and never beyond `caps.perStore` leases live for
   * one store or `caps.perAddress` for one address, counting every process's leases. Claimers take
   * turns (PostgreSQL: a transaction-scoped advisory lock; SQLite: the UPDATE's write lock), so two
   * processes never both see room for the same last slot of a store.
   */
  async claim(leaseMs: number, caps: ClaimCaps): Promise<ClaimedDelivery[]> {
    const now = this.clock();
    // A plain read first: an idle server looks every second, and on SQLite an UPDATE takes the file's write lock even when it changes nothing.
    if ((await this.claimable(this.db, now, caps).executeTakeFirst()) === undefined) return [];
    const claimed = await this.db.transaction().execute(async (trx) => {
      if (this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${CLAIM_LOCK})`.execute(trx);
      return trx
        .updateTable('webhook_deliveries')
        .set((eb) => ({ lease_until: this.clock(leaseMs), attempts: eb('attempts', '+', 1) }))
        .where('id', 'in', this.claimable(trx, now, caps))
        .where('status', '=', 'pending')
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
        .returning(['id', 'event_id', 'shop_id', 'app_id', 'topic', 'address', 'api_version', 'attempts', 'round_base', 'lease_until'])
        .execute();
    });
    if (claimed.length === 0) return [];
    const events = await this.db
      .selectFrom('webhook_events')
      .innerJoin('shops', 'shops.id', 'webhook_events.shop_id')
      .select(['webhook_events.id', 'webhook_events.payload', 'shops.subdomain'])
      .where('webhook_events.id', 'in', claimed.map((row) => row.event_id))
      .execute();
    const byId = new Map(events.map((event) => [event.id, event]));
    return claimed.flatMap((row) => {
      const event = byId.get(row.event_id);
      if (!event) return [];
      return [{
        id: row.id,
        shopId: row.shop_id,
        subdomain: event.subdomain,
        appId: row.app_id,
        topic: row.topic,
        address: row.address,
        apiVersion: row.api_version,
        attempt: Number(row.attempts),
        round: Number(row.attempts) - Number(row.round_base),
        lease: row.lease_until!,
        content: JSON.parse(event.payload) as Record<string, unknown>,
      }];
    });
  }

  /**
   * The ids a claim may take now, in claiming order. `in_store` ranks a store's due deliveries
   * oldest first; ordering by it is the round-robin. `at_address` ranks an address's by `in_store`,
   * so stores sharing an address take turns at it too. A row passes when its rank plus the leases
   * already live for its store (its address) stays within the cap.
   */
  private claimable(db: Kysely<Schema>, now: RawBuilder<string>, caps: ClaimCaps) {
    return db
      .with('live_stores', (qb) =>
        qb.selectFrom('webhook_deliveries').select((eb) => ['shop_id', eb.fn.countAll().as('n')]).where('status', '=', 'pending').where('lease_until', '>', now).groupBy('shop_id'),
      )
      .with('live_addresses', (qb) =>
        qb.selectFrom('webhook_deliveries').select((eb) => ['address', eb.fn.countAll().as('n')]).where('status', '=', 'pending').where('lease_until', '>', now).groupBy('address'),
      )
      .with('due', (qb) =>
        qb
          .selectFrom('webhook_deliveries')
          .select(['id', 'shop_id', 'address', 'next_attempt_at', sql<number>`row_number() over (partition by shop_id order by next_attempt_at, id)`.as('in_store')])
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', now)
          .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)])),
      )
      .with('ranked', (qb) =>
        qb.selectFrom('due').select(['id', 'shop_id', 'address', 'next_attempt_at', 'in_store', sql<number>`row_number() over (partition by address order by in_store, next_attempt_at, id)`.as('at_address')]),
      )
      .selectFrom('ranked')
      .leftJoin('live_stores', 'live_stores.shop_id', 'ranked.shop_id')
      .leftJoin('live_addresses', 'live_addresses.address', 'ranked.address')
      .select('ranked.id')
      .where(sql<number>`ranked.in_store + coalesce(live_stores.n, 0)`, '<=', caps.perStore)
      .where(sql<number>`ranked.at_address + coalesce(live_addresses.n, 0)`, '<=', caps.perAddress)
      .orderBy('ranked.in_store')
      .orderBy('ranked.next_attempt_at')
      .orderBy('ranked.id')
      .limit(caps.slots);
  }

  /**
   * Records an attempt and what follows: delivered, another attempt `retryInMs` from now, or failed
   * when that is null. Only while the claim is still ours: after a lost lease the next claimer decides.
   */
  async finish(delivery: ClaimedDelivery, outcome: AttemptOutcome, retryInMs: number | null): Promise<void> {
    const now = this.clock();
    await this.db.transaction().execute(async (trx) => {
      const next = outcome.ok
        ? { status: 'delivered', last_error: null }
        : retryInMs === null
          ? { status: 'failed', last_error: outcome.error }
          : { status: 'pending', last_error: outcome.error, next_attempt_at: this.clock(retryInMs) };
      const done = await trx
        .updateTable('webhook_deliveries')
        .set({ ...next, lease_until: null, updated_at: now })
        .where('id', '=', delivery.id)
        .where('lease_until', '=', delivery.lease)
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) === 0) return;
      await trx
        .insertInto('webhook_attempts')
        .values({
          delivery_id: delivery.id,
          attempt: delivery.attempt,
          at: now,
          status_code: outcome.statusCode,
          error: outcome.ok ? null : outcome.error,
          duration_ms: Math.round(outcome.durationMs),
        })
        .execute();
    });
  }

  /** Deliveries newest first, with their attempts; `failed`: only those marked failed. */
  async list(options: { failed?: boolean; limit?: number } = {}): Promise<DeliveryReport[]> {
    let query = this.db
      .selectFrom('webhook_deliveries')
      .innerJoin('shops', 'shops.id', 'webhook_deliveries.shop_id')
      .select(['webhook_deliveries.id', 'shops.subdomain', 'topic', 'address', 'status', 'attempts', 'next_attempt_at', 'last_error', 'webhook_deliveries.created_at'])
      .orderBy('webhook_deliveries.created_at', 'desc')
      .orderBy('webhook_deliveries.id')
      .limit(options.limit ?? 100);
    if (options.failed) query = query.where('status', '=', 'failed');
    const rows = await query.execute();
    if (rows.length === 0) return [];
    const attempts = await this.db
      .selectFrom('webhook_attempts')
      .select(['delivery_id', 'attempt', 'at', 'status_code', 'error', 'duration_ms'])
      .where('delivery_id', 'in', rows.map((row) => row.id))
      .orderBy('delivery_id')
      .orderBy('attempt')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      shop: row.subdomain,
      topic: row.topic,
      address: row.address,
      status: row.status,
      created_at: row.created_at,
      ...(row.status === 'pending' ? { next_attempt_at: row.next_attempt_at } : {}),
      last_error: row.last_error,
      attempts: attempts
        .filter((attempt) => attempt.delivery_id === row.id)
        .map((attempt) => ({ attempt: Number(attempt.attempt), at: attempt.at, status: attempt.status_code, error: attempt.error, ms: Number(attempt.duration_ms) })),
    }));
  }

  /** Sends a delivery again, now, with the same deduplication id and a full round of attempts; false when there is none. */
  async redeliver(id: string): Promise<boolean> {
    const result = await this.db
      .updateTable('webhook_deliveries')
      .set((eb) => ({ status: 'pending', round_base: eb.ref('attempts'), next_attempt_at: this.clock(), lease_until: null, updated_at: this.clock() }))
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}

export interface DeliveryReport {
  id: string;
  shop: string;
  topic: string;
  address: string;
  status: string;
  created_at: string;
  next_attempt_at?: string;
  last_error: string | null;
  attempts: Array<{ attempt: number; at: string; status: number | null; error: string | null; ms: number }>;
}

