import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import type { WireContext } from '../../contract/library-src.js';
import type { SigningSecrets } from '../../storage/signing-secrets.js';
import type { AttemptOutcome, ClaimedDelivery, WebhookDeliveries } from '../../storage/webhook-deliveries.js';
import { retryDelay } from './retry-schedule.js';
import { webhookBody } from './webhook-payload.js';
import type { WebhookSender } from './webhook-sender.js';

export interface DeliveryWorkerOptions {
  deliveries: WebhookDeliveries;
  secrets: SigningSecrets;
  sender: WebhookSender;
  /** The CDN base of payloads (no request: wire-context's answer for no Host). */
  context: () => WireContext;
  baseDomain: string;
  retryMs: number;
  maxAttempts: number;
  timeoutMs: number;
  /** Attempts this process makes at once (PRODIMG_WEBHOOK_SLOTS). */
  slots: number;
  /** Attempts in flight at once for one store, and for one address, counting every process (PRODIMG_WEBHOOK_STORE_IN_FLIGHT, PRODIMG_WEBHOOK_ADDRESS_IN_FLIGHT). */
  perStore: number;
  perAddress: number;
  logger: FastifyBaseLogger;
}

/** What this process has sent since it started (GET /metrics). */
export interface WebhookStats {
  attempts: number;
  delivered: number;
  /** Deliveries marked failed after their last attempt. */
  failed: number;
}

/** base64 HMAC-SHA256 of the raw body: X-Shoplazza-Hmac-Sha256. */
export function signWebhook(body: Buffer, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/**
 * Sends the outbox, in each server process, through a fixed number of slots. A slot that frees
 * (its attempt answered, failed or ran out of PRODIMG_WEBHOOK_TIMEOUT_MS) is refilled at once;
 * besides, every PRODIMG_WEBHOOK_RETRY_MS (at most a second) free slots look for due deliveries.
 * Claims are fair across stores and capped per store and per address (WebhookDeliveries.claim), so
 * receivers that hang hold at most their store's few slots, never the others'. Started when the
 * server listens, stopped on close after the attempts under way.
 */
export class DeliveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private claiming: Promise<void> | undefined;
  /** A slot freed while a claim was running: claim again when it ends. */
  private refill = false;
  private stopped = true;
  private lastErrorLogged = Number.NEGATIVE_INFINITY;
  private readonly counts: WebhookStats = { attempts: 0, delivered: 0, failed: 0 };

  constructor(private readonly options: DeliveryWorkerOptions) {}

  stats(): WebhookStats {
    return { ...this.counts };
  }

  start(): void {
    this.stopped = false;
    this.poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.claiming;
    await Promise.all(this.inFlight);
    await this.options.sender.close();
  }

  private poll(): void {
    if (this.stopped) return;
    this.fill();
    this.timer = setTimeout(() => this.poll(), Math.min(this.options.retryMs, 1000));
    this.timer.unref();
  }

  /** Claims due deliveries for the free slots; one claim at a time. */
  private fill(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.refill = true;
      return;
    }
    const free = this.options.slots - this.inFlight.size;
    if (free <= 0) return;
    this.claiming = this.claimInto(free).finally(() => {
      this.claiming = undefined;
      if (this.refill) {
        this.refill = false;
        this.fill();
      }
    });
  }

  private async claimInto(free: number): Promise<void> {
    const { deliveries, timeoutMs, perStore, perAddress } = this.options;
    let claimed: ClaimedDelivery[];
    try {
      // The lease outlasts one attempt, whose sender gives up at timeoutMs; its end is the database's clock's.
      claimed = await deliveries.claim(timeoutMs + 5_000, { slots: free, perStore, perAddress });
    } catch (err) {
      this.databaseFailed(err);
      return;
    }
    for (const delivery of claimed) {
      const attempt: Promise<void> = this.attempt(delivery)
        .catch((err: unknown) => this.databaseFailed(err))
        .finally(() => {
          this.inFlight.delete(attempt);
          this.fill();
        });
      this.inFlight.add(attempt);
    }
  }

  /** The database away: one line per 10 s, not one per claim; deliveries wait in the outbox. */
  private databaseFailed(err: unknown): void {
    if (this.stopped || performance.now() - this.lastErrorLogged < 10_000) return;
    this.lastErrorLogged = performance.now();
    this.options.logger.error({ err }, 'webhook deliveries: a claim or an outcome failed to be written; trying again');
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const { secrets, sender, deliveries, logger } = this.options;
    let outcome: AttemptOutcome;
    try {
      const body = webhookBody(delivery.content, this.options.context());
      const secret = await secrets.secretFor(delivery);
      outcome = await sender.send(delivery.address, body, {
        'X-Shoplazza-Topic': delivery.topic,
        'X-Shoplazza-Hmac-Sha256': signWebhook(body, secret),
        'X-Shoplazza-Shop-Domain': `${delivery.subdomain}.${this.options.baseDomain}`,
        'X-Shoplazza-Api-Version': delivery.apiVersion,
        'X-Shoplazza-Deduplication-ID': delivery.id,
      });
    } catch (err) {
      outcome = { ok: false, statusCode: null, error: (err as Error).message, durationMs: 0 };
    }
    const retryInMs = outcome.ok ? null : retryDelay(delivery.round, this.options.retryMs, this.options.maxAttempts);
    await deliveries.finish(delivery, outcome, retryInMs);
    this.counts.attempts++;
    if (outcome.ok) this.counts.delivered++;
    else if (retryInMs === null) this.counts.failed++;
    const facts = { delivery: delivery.id, topic: delivery.topic, address: delivery.address, attempt: delivery.attempt };
    if (outcome.ok) logger.info({ ...facts, status: outcome.statusCode }, 'webhook delivered');
    else if (retryInMs === null) logger.warn({ ...facts, error: outcome.error }, 'webhook delivery failed; no more attempts');
    else logger.info({ ...facts, error: outcome.error, retryInMs }, 'webhook attempt failed; will retry');
  }
}
