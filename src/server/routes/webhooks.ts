import * as op from '../../contract/operations/webhooks.js';
import type { WebhookService } from '../../domain/webhook-service.js';
import { bind, type Binding } from '../binding.js';

export function webhookBindings(webhooks: WebhookService): Binding[] {
  return [
    bind(op.listWebhooks, { run: ({ input }, grant) => webhooks.list(grant, input) }),
    bind(op.countWebhooks, { run: (_request, grant) => webhooks.count(grant) }),
    bind(op.getWebhook, { run: ({ path }, grant) => webhooks.get(grant, path.webhookId) }),
    bind(op.createWebhook, { run: ({ input }, grant) => webhooks.create(grant, input) }),
    bind(op.updateWebhook, { run: ({ path, input }, grant) => webhooks.update(grant, path.webhookId, input) }),
    bind(op.deleteWebhook, { run: ({ path }, grant) => webhooks.delete(grant, path.webhookId) }),
  ];
}
