import { validation } from '../domain/errors.js';
import type { ProductQuery } from '../domain/ports.js';

export const PER_PAGE_DEFAULT = 20;
export const PER_PAGE_MAX = 250;

/** `GET /products` query: per_page (1..250), cursor or pre_cursor. Other filters are not supported. */
export function parseProductQuery(query: Record<string, unknown>): ProductQuery {
  const problems: string[] = [];
  const lastValue = (key: string): string | undefined => {
    const value = query[key];
    return Array.isArray(value) ? String(value[value.length - 1]) : value === undefined ? undefined : String(value);
  };
  let perPage = PER_PAGE_DEFAULT;
  const rawPerPage = lastValue('per_page');
  if (rawPerPage !== undefined && rawPerPage !== '') {
    if (!/^-?\d+$/.test(rawPerPage)) problems.push('Per page must be an integer');
    else if (Number(rawPerPage) < 1) problems.push('Per page must be greater than or equal to 1');
    else if (Number(rawPerPage) > PER_PAGE_MAX) problems.push(`Per page must be less than or equal to ${PER_PAGE_MAX}`);
    else perPage = Number(rawPerPage);
  }
  const cursor = lastValue('cursor') || undefined;
  const preCursor = lastValue('pre_cursor') || undefined;
  if (cursor && preCursor) problems.push('Cursor and pre cursor cannot be used together');
  if (problems.length > 0) throw validation(problems);
  return { perPage, ...(cursor ? { cursor } : {}), ...(preCursor ? { preCursor } : {}) };
}
