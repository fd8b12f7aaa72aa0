import { requireScope } from './auth-service.js';
import type { Grant } from './entities.js';
import { recordNotFound, validation } from './errors.js';
import type { Clock } from './ports.js';
import { TOO_MANY_WEBHOOKS, TOPIC_SCOPES, WEBHOOK_SUBSCRIPTIONS_MAX, type NewWebhook, type WebhookPage, type WebhookPatch, type WebhookRepository, type WebhookSubscription } from './webhooks.js';

/**
 * Webhook subscriptions of the calling token's store. `addressAllowed` is the delivery's address
 * guard asked early: an address naming a private IP is refused when subscribing (names are checked
 * again at every delivery, where they are resolved).
 */
export class WebhookService {
  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly addressAllowed: (address: string) => boolean,
    private readonly clock: Clock,
  ) {}

  list(grant: Grant, page: WebhookPage): Promise<WebhookSubscription[]> {
    return this.webhooks.list(grant.shopId, page);
  }

  count(grant: Grant): Promise<number> {
    return this.webhooks.count(grant.shopId);
  }

  async get(grant: Grant, id: string): Promise<WebhookSubscription> {
    return (await this.webhooks.get(grant.shopId, id)) ?? notFound();
  }

  /** `input.apiVersion`: the version the request named, which its deliveries will name and be rendered in. A store holds at most WEBHOOK_SUBSCRIPTIONS_MAX (422). */
  async create(grant: Grant, input: Omit<NewWebhook, 'appId'>): Promise<WebhookSubscription> {
    this.check(grant, input);
    const made = await this.webhooks.create(grant.shopId, { ...input, appId: appOf(grant) }, this.clock(), WEBHOOK_SUBSCRIPTIONS_MAX);
    return made ?? tooMany();
  }

  async update(grant: Grant, id: string, patch: WebhookPatch): Promise<WebhookSubscription> {
    this.check(grant, patch);
    return (await this.webhooks.update(grant.shopId, id, patch, this.clock())) ?? notFound();
  }

  async delete(grant: Grant, id: string): Promise<void> {
    if (!(await this.webhooks.delete(grant.shopId, id, this.clock()))) notFound();
  }

  /** A topic needs its read scope (403); an address must be one deliveries may reach (422). */
  private check(grant: Grant, input: WebhookPatch): void {
    const scope = input.topic ? TOPIC_SCOPES[input.topic] : null;
    if (scope) requireScope(grant, scope);
    if (input.address !== undefined && !this.addressAllowed(input.address)) throw validation(['Address is invalid']);
  }
}

function tooMany(): never {
  throw validation([TOO_MANY_WEBHOOKS]);
}

function notFound(): never {
  throw recordNotFound();
}

/** The OAuth app a token was issued to (its client id); CLI tokens: null. */
function appOf(grant: Grant): string | null {
  return grant.clientId ?? null;
}
