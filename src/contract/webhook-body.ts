import { badRequest, validation } from '../domain/errors.js';
import { type NewWebhook, WEBHOOK_TOPICS, type WebhookPage, type WebhookPatch, type WebhookTopic } from '../domain/webhooks.js';
import { type Fields, isPlainObject, type Problems } from './fields.js';
import { unwrap } from './image-body.js';
import { lastValue } from './query-value.js';
import type { ApiVersion } from './versions.js';

export const WEBHOOKS_LIMIT_MAX = 250;
const ADDRESS_MAX = 2048;

/** The body's fields in the shape of `version` (its descriptor's `webhookBody`). */
function webhookFields(body: unknown, version: ApiVersion): Fields {
  if (version.webhookBody === 'wrapped') return unwrap(body, 'webhook');
  if (!isPlainObject(body)) throw badRequest('body must be a JSON object with "topic" and "address"');
  return body;
}

function readTopic(fields: Fields, problems: Problems, required: boolean): WebhookTopic | undefined {
  const topic = fields.topic;
  if (topic === undefined && !required) return undefined;
  if (typeof topic === 'string' && (WEBHOOK_TOPICS as readonly string[]).includes(topic)) return topic as WebhookTopic;
  problems.push(`Topic is not allowed, allowed topic are: ${WEBHOOK_TOPICS.join(', ')}`);
  return undefined;
}

/** An absolute http(s) URL with a host and no credentials; where it may point is checked by the use case. */
export function isWebhookAddress(address: unknown): address is string {
  // No white space or control character (U+0000 cannot even be stored on PostgreSQL).
  if (typeof address !== 'string' || address.length > ADDRESS_MAX || /[\s\u0000-\u001f\u007f]/.test(address)) return false;
  try {
    const url = new URL(address);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

function readAddress(fields: Fields, problems: Problems, required: boolean): string | undefined {
  if (fields.address === undefined && !required) return undefined;
  if (isWebhookAddress(fields.address)) return fields.address;
  problems.push('Address is invalid');
  return undefined;
}

function readFormat(fields: Fields, problems: Problems): void {
  if (fields.format !== undefined && fields.format !== 'json') problems.push('Format is not allowed, allowed format are: json');
}

/** `POST /webhooks`: topic and address required; format only `json`. */
export function parseWebhookCreate(body: unknown, version: ApiVersion): Pick<NewWebhook, 'topic' | 'address'> {
  const fields = webhookFields(body, version);
  const problems: Problems = [];
  const topic = readTopic(fields, problems, true);
  const address = readAddress(fields, problems, true);
  readFormat(fields, problems);
  if (problems.length > 0) throw validation(problems);
  return { topic: topic!, address: address! };
}

/** `PUT /webhooks/{id}`: topic and address, each optional. */
export function parseWebhookUpdate(body: unknown, version: ApiVersion): WebhookPatch {
  const fields = webhookFields(body, version);
  const problems: Problems = [];
  const topic = readTopic(fields, problems, false);
  const address = readAddress(fields, problems, false);
  readFormat(fields, problems);
  if (problems.length > 0) throw validation(problems);
  return { ...(topic !== undefined ? { topic } : {}), ...(address !== undefined ? { address } : {}) };
}

/** `GET /webhooks`: limit (1..250, default 50) and page (from 1), with the reference's messages. */
export function parseWebhookQuery(query: Readonly<Record<string, unknown>>): WebhookPage {
  const problems: Problems = [];
  const read = (key: 'limit' | 'page', fallback: number, max?: number): number => {
    const raw = lastValue(query, key);
    if (raw === undefined || raw === '') return fallback;
    const label = key === 'limit' ? 'Limit' : 'Page';
    if (!/^-?\d+$/.test(raw)) problems.push(`${label} must be an integer`);
    else if (Number(raw) < 1) problems.push(`${label} must be greater than or equal to 1`);
    else if (max !== undefined && Number(raw) > max) problems.push(`${label} must be less than or equal to ${max}`);
    else return Number(raw);
    return fallback;
  };
  const page = { limit: read('limit', 50, WEBHOOKS_LIMIT_MAX), page: read('page', 1) };
  if (problems.length > 0) throw validation(problems);
  return page;
}
