import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_ROUTES_FILE, clientRoutesSource, envelopeKey } from '../../src/contract/client-routes.js';
import { OPERATIONS } from '../../src/contract/operations/index.js';
import { API_VERSIONS } from '../../src/contract/versions.js';
import { API_PREFIX, ROUTES, VERSIONS } from '../../src/client/generated/routes.js';

const committed = () => readFileSync(new URL(`../../${CLIENT_ROUTES_FILE}`, import.meta.url), 'utf8');

describe("the client's generated routes", () => {
  it(`${CLIENT_ROUTES_FILE} is what the contract makes now (when this fails: npm run build, and commit the file)`, () => {
    expect(committed()).toBe(clientRoutesSource());
  });

  it('would be stale after a change of an operation or a version', () => {
    const moved = OPERATIONS.map((operation) => (operation.id === 'getProduct' ? { ...operation, path: '/items/:product_id' } : operation));
    expect(clientRoutesSource(moved)).not.toBe(committed());
    expect(clientRoutesSource(OPERATIONS, API_VERSIONS.slice(1))).not.toBe(committed());
  });

  it("hold every operation's method and path, every version's envelope key, and the API's prefix", () => {
    expect(API_PREFIX).toBe('/openapi');
    expect(Object.entries(ROUTES).map(([id, route]) => [id, route.method, route.path])).toEqual(OPERATIONS.map((op) => [op.id, op.method, op.path]));
    expect(VERSIONS).toEqual({ '2020-07': { dataKey: null }, '2022-01': { dataKey: null }, '2025-06': { dataKey: 'data' }, '2026-01': { dataKey: 'data' } });
    expect(ROUTES.getShop).toEqual({ method: 'GET', path: '/shop', envelopeRoot: 'shop' });
  });

  it('refuses a version whose data the client could not find in the body', () => {
    const hidden = { ...API_VERSIONS[0]!, name: '2099-01', success: (data: object) => ({ payload: { ...data } }) };
    expect(() => envelopeKey(hidden)).toThrow('API version 2099-01 wraps its data in no key the client can read it from');
  });
});
