import { type TObject, Type } from '@sinclair/typebox';
import { TOO_MANY_WEBHOOKS, WEBHOOK_SUBSCRIPTIONS_MAX, WEBHOOK_TOPICS, type WebhookSubscription } from '../../domain/webhooks.js';
import { defineOperation } from '../operation.js';
import { CountEnvelope, EmptyEnvelope } from '../schemas.js';
import { type ApiVersion, DEFAULT_VERSION } from '../versions.js';
import { parseWebhookCreate, parseWebhookQuery, parseWebhookUpdate, WEBHOOKS_LIMIT_MAX } from '../webhook-body.js';

const tag = 'Webhook';
const NoParams = Type.Object({});
const WebhookParams = Type.Object({ webhook_id: Type.String({ format: 'uuid', examples: ['7c1f0b8e-2f4a-4d0e-9c3b-5a6d7e8f9a0b'] }) });

/** The platform's subscription object. */
export const WebhookJson = Type.Object({
  id: Type.String({ format: 'uuid' }),
  topic: Type.String({ enum: [...WEBHOOK_TOPICS], examples: ['products/update'] }),
  address: Type.String({ examples: ['https://app.example.com/webhooks'] }),
  format: Type.Literal('json'),
  created_at: Type.String({ examples: ['2024-04-08T07:00:00Z'] }),
  updated_at: Type.String({ examples: ['2024-04-08T07:00:00Z'] }),
});
const WebhookEnvelope = Type.Object({ webhook: WebhookJson });
const fields = { topic: Type.String({ enum: [...WEBHOOK_TOPICS] }), address: Type.String({ format: 'uri' }), format: Type.Optional(Type.Literal('json')) };
/** The fields flat or inside `webhook`, as the version's descriptor says. */
const inVersionShape = (fields: TObject) => (version: ApiVersion) => (version.webhookBody === 'wrapped' ? Type.Object({ webhook: fields }) : fields);
const WebhookCreateBody = inVersionShape(Type.Object(fields));
const WebhookUpdateBody = inVersionShape(Type.Partial(Type.Object(fields)));

const oneWebhook = (webhook: WebhookSubscription) => ({ webhook });
const SIGNING =
  ' Each delivery is a POST of `{"product":{...}}` with `X-Shoplazza-Topic`, `X-Shoplazza-Hmac-Sha256` (base64 HMAC-SHA256 of the body), `X-Shoplazza-Shop-Domain`, `X-Shoplazza-Api-Version` and `X-Shoplazza-Deduplication-ID`.';

export const listWebhooks = defineOperation({
  id: 'listWebhooks', method: 'GET', path: '/webhooks', scope: null, tag, params: NoParams,
  query: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: WEBHOOKS_LIMIT_MAX })), page: Type.Optional(Type.Integer({ minimum: 1 })) }),
  summary: 'Get Webhooks',
  description: `Retrieves the store's webhook subscriptions, oldest first, \`limit\` (1-${WEBHOOKS_LIMIT_MAX}, default 50) at a time, \`page\` from 1.`,
  read: ({ query }) => parseWebhookQuery(query),
  response: Type.Object({ webhooks: Type.Array(WebhookJson) }), errors: ['Validation'],
  answer: (webhooks: WebhookSubscription[]) => ({ webhooks }),
});

export const countWebhooks = defineOperation({
  id: 'countWebhooks', method: 'GET', path: '/webhooks/count', scope: null, tag, params: NoParams,
  summary: 'Get Webhook Count',
  description: "Retrieves the number of the store's webhook subscriptions.",
  response: CountEnvelope, errors: [], answer: (count: number) => ({ count }),
});

export const getWebhook = defineOperation({
  id: 'getWebhook', method: 'GET', path: '/webhooks/:webhook_id', scope: null, tag, params: WebhookParams,
  summary: 'Get Webhook Details',
  description: 'Retrieves one webhook subscription.',
  response: WebhookEnvelope, errors: ['RecordNotFound'], answer: oneWebhook,
});

export const createWebhook = defineOperation({
  id: 'createWebhook', method: 'POST', path: '/webhooks', scope: null, tag, params: NoParams, body: WebhookCreateBody,
  summary: 'Create Webhook',
  description: `Subscribes \`address\` to \`topic\` (\`${WEBHOOK_TOPICS.join('`, `')}\`); a product topic needs read_product. 2020-07 and 2022-01 take \`{"topic","address"}\`, 2025-06 and later \`{"webhook":{"topic","address"}}\`. A store holds at most ${WEBHOOK_SUBSCRIPTIONS_MAX} subscriptions: beyond them, \`${TOO_MANY_WEBHOOKS}\` (a refused value).${SIGNING}`,
  read: ({ body, version = DEFAULT_VERSION }) => ({ ...parseWebhookCreate(body, version), apiVersion: version.name }),
  // A product topic needs read_product: 403 without it.
  response: WebhookEnvelope, errors: ['Forbidden'], answer: oneWebhook,
});

export const updateWebhook = defineOperation({
  id: 'updateWebhook', method: 'PUT', path: '/webhooks/:webhook_id', scope: null, tag, params: WebhookParams, body: WebhookUpdateBody,
  summary: 'Update Webhook',
  description: "Changes a subscription's topic or address, in the body shape of the version (as for create).",
  read: ({ body, version = DEFAULT_VERSION }) => parseWebhookUpdate(body, version),
  response: WebhookEnvelope, errors: ['RecordNotFound', 'Forbidden'], answer: oneWebhook,
});

export const deleteWebhook = defineOperation({
  id: 'deleteWebhook', method: 'DELETE', path: '/webhooks/:webhook_id', scope: null, tag, params: WebhookParams,
  summary: 'Delete Webhook',
  description: 'Deletes a subscription; its deliveries not yet made are not sent (they are marked failed).',
  response: EmptyEnvelope, errors: ['RecordNotFound'], answer: () => ({}),
});
