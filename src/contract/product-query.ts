import { formatTimestamp } from '../domain/clock.js';
import { PRODUCT_FIELDS } from '../domain/entities.js';
import { validation } from '../domain/errors.js';
import type { ProductFilter, ProductQuery } from '../domain/ports.js';
import { isUuid } from '../domain/uuid.js';
import { readFieldsParameter } from './field-filter.js';
import { lastValue } from './query-value.js';

export const PER_PAGE_DEFAULT = 20;
export const PER_PAGE_MAX = 250;
export const IDS_MAX = 250;

type Query = Readonly<Record<string, unknown>>;

// ISO 8601 with a time and a zone, as the platform documents them: 2018-10-01T16:15:47-04:00.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/i;

const TIMES = [
  ['created_at_min', 'Created at min', 'createdAtMin'],
  ['created_at_max', 'Created at max', 'createdAtMax'],
  ['updated_at_min', 'Updated at min', 'updatedAtMin'],
  ['updated_at_max', 'Updated at max', 'updatedAtMax'],
] as const;

const PUBLISHED_STATUS: Record<string, boolean | undefined> = { published: true, unpublished: false, any: undefined };

/**
 * The filters of `GET /products` and `GET /products/count`: `ids` (comma-separated UUIDs), `title`
 * (part of it, any case), `created_at_min/max`, `updated_at_min/max` (ISO 8601 times, inclusive),
 * `spus` (comma-separated, exact), `published_status` (published, unpublished or any). An empty
 * value counts as not sent.
 */
export function parseProductFilter(query: Query, problems: string[] = []): ProductFilter {
  const filter: ProductFilter = {};
  const ids = lastValue(query, 'ids');
  if (ids) {
    const list = ids.split(',').map((id) => id.trim()).filter(Boolean);
    if (!list.every(isUuid)) problems.push('Ids must be a comma-separated list of valid UUIDs');
    else if (list.length > IDS_MAX) problems.push(`Ids is too long (maximum is ${IDS_MAX} ids)`);
    else filter.ids = list.map((id) => id.toLowerCase());
  }
  const title = lastValue(query, 'title');
  // No title holds U+0000 (PostgreSQL cannot even compare with it): the same refusal as a body's text.
  if (title?.includes('\u0000')) problems.push('Title contains an invalid character');
  else if (title) filter.title = title;
  for (const [key, label, field] of TIMES) {
    const raw = lastValue(query, key);
    if (!raw) continue;
    const time = ISO_TIME.test(raw) ? Date.parse(raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : Number.NaN;
    if (Number.isNaN(time)) problems.push(`${label} must be an ISO 8601 time like 2018-10-01T16:15:47-04:00`);
    else filter[field] = formatTimestamp(new Date(time));
  }
  const spus = lastValue(query, 'spus');
  if (spus) {
    const list = [...new Set(spus.split(',').map((spu) => spu.trim()).filter(Boolean))];
    // As for the title: no SPU holds U+0000, and PostgreSQL cannot compare with it.
    if (spus.includes('\u0000')) problems.push('Spus contains an invalid character');
    else if (list.length > IDS_MAX) problems.push(`Spus is too long (maximum is ${IDS_MAX} spus)`);
    else if (list.length > 0) filter.spus = list;
  }
  const status = lastValue(query, 'published_status');
  if (status) {
    if (!(status in PUBLISHED_STATUS)) problems.push('Published status must be one of published, unpublished, any');
    else if (PUBLISHED_STATUS[status] !== undefined) filter.published = PUBLISHED_STATUS[status];
  }
  return filter;
}

/** `GET /products/count`: the filters alone. */
export function parseProductCountQuery(query: Query): ProductFilter {
  const problems: string[] = [];
  const filter = parseProductFilter(query, problems);
  if (problems.length > 0) throw validation(problems);
  return filter;
}

/** `GET /products`: per_page (1..250), cursor or pre_cursor, the filters, and `fields`. */
export function parseProductQuery(query: Query): { query: ProductQuery; fields: readonly string[] | undefined } {
  const problems: string[] = [];
  let perPage = PER_PAGE_DEFAULT;
  const rawPerPage = lastValue(query, 'per_page');
  if (rawPerPage !== undefined && rawPerPage !== '') {
    if (!/^-?\d+$/.test(rawPerPage)) problems.push('Per page must be an integer');
    else if (Number(rawPerPage) < 1) problems.push('Per page must be greater than or equal to 1');
    else if (Number(rawPerPage) > PER_PAGE_MAX) problems.push(`Per page must be less than or equal to ${PER_PAGE_MAX}`);
    else perPage = Number(rawPerPage);
  }
  const cursor = lastValue(query, 'cursor') || undefined;
  const preCursor = lastValue(query, 'pre_cursor') || undefined;
  if (cursor && preCursor) problems.push('Cursor and pre cursor cannot be used together');
  const filter = parseProductFilter(query, problems);
  if (problems.length > 0) throw validation(problems);
  return { query: { perPage, ...(cursor ? { cursor } : {}), ...(preCursor ? { preCursor } : {}), filter }, fields: readFieldsParameter(query, ANSWERED_FIELDS) };
}

/** What `fields` may name: every field a product answer has. */
const ANSWERED_FIELDS: readonly string[] = [...PRODUCT_FIELDS, 'has_only_default_variant', 'inventory_quantity', 'need_variant_image', 'image', 'images', 'options', 'variants'];

