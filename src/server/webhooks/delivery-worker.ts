import { createHmac } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { WireContext } from '../../contract/library-src.js';
import type { SigningSecrets } from '../../storage/signing-secrets.js';
import type { AttemptOutcome, ClaimedDelivery, WebhookDeliveries } from '../../storage/webhook-deliveries.js';
import { nextAttemptAt } from './retry-schedule.js';
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
  logger: FastifyBaseLogger;
}

/** What this process has sent since it started (GET /metrics). */
export interface WebhookStats {
  attempts: number;
  delivered: number;
  /** Deliveries marked failed after their last attempt. */
  failed: number;
}

/** Deliveries sent at once by one process. */
const BATCH = 16;

/** base64 HMAC-SHA256 of the raw body: X-Shoplazza-Hmac-Sha256. */
export function signWebhook(body: Buffer, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/**
 * The loop that sends the outbox, in each server process: every PRODIMG_WEBHOOK_RETRY_MS (at most a
 * second) it claims due deliveries (a lease a little longer than one attempt), sends them, and
 * records each outcome with the next attempt's time. Started when the server listens, stopped on
 * close after the attempts under way.
 */
export class DeliveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private lastErrorLogged = 0;
  private readonly counts: WebhookStats = { attempts: 0, delivered: 0, failed: 0 };

  constructor(private readonly options: DeliveryWorkerOptions) {}

  stats(): WebhookStats {
    return { ...this.counts };
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.options.sender.close();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round().finally(() => {
        this.running = undefined;
      });
    }, delayMs);
    this.timer.unref();
  }

  private async round(): Promise<void> {
    let full = false;
    try {
      const { deliveries, timeoutMs } = this.options;
      const claimed = await deliveries.claim(Date.now(), timeoutMs + 5_000, BATCH);
      full = claimed.length === BATCH;
      await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
    } catch (err) {
      // The database away: one line per 10 s, not one per round; deliveries wait in the outbox.
      if (!this.stopped && Date.now() - this.lastErrorLogged >= 10_000) {
        this.lastErrorLogged = Date.now();
        this.options.logger.error({ err }, 'webhook deliveries: a round failed; trying again');
      }
    }
    // A full batch means more may be due now.
    this.schedule(full ? 0 : Math.min(this.options.retryMs, 1000));
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
    const now = Date.now();
    const retryAt = outcome.ok ? null : nextAttemptAt(now, delivery.round, this.options.retryMs, this.options.maxAttempts);
    await deliveries.finish(delivery, outcome, now, retryAt);
    this.counts.attempts++;
    if (outcome.ok) this.counts.delivered++;
    else if (retryAt === null) this.counts.failed++;
    const facts = { delivery: delivery.id, topic: delivery.topic, address: delivery.address, attempt: delivery.attempt };
    if (outcome.ok) logger.info({ ...facts, status: outcome.statusCode }, 'webhook delivered');
    else if (retryAt === null) logger.warn({ ...facts, error: outcome.error }, 'webhook delivery failed; no more attempts');
    else logger.info({ ...facts, error: outcome.error, retryInMs: retryAt - now }, 'webhook attempt failed; will retry');
  }
}
