import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnyOperation, bodyOf } from '../../src/contract/operation.js';
import { OPERATIONS } from '../../src/contract/operations/index.js';
import { API_VERSIONS, type ApiVersion } from '../../src/contract/versions.js';
import { startApi, type TestApi } from '../support/api.js';
import { listedInContract } from '../support/contract-messages.js';
import { mutate, mutationsOf, valueOf } from '../support/schema-arbitrary.js';

/**
 * The declared body schemas and the server agree: bodies generated from each body-taking operation's
 * schema, valid ones and mutated ones, sent through the server (inject) in every version. Every body
 * the schema refuses is refused (4xx, the version's error shape) with messages docs/contract.md
 * lists; no body it accepts is refused for its shape, only for a reason a schema cannot state.
 */

/** Refusals of bodies the schema accepts: what a schema cannot state (the store's records, rules across fields). */
const BEYOND_THE_SCHEMA: ReadonlyArray<[RegExp, string]> = [
  [/^Record not found$|^Image .* (is not|does not)|^Image [0-9a-f-]+ |^Variant [0-9a-f-]+ |Image id .*(not|belong)/, 'the ids name records of the store and product'],
  [/option|Option|variant|Variant/, 'variant rules: options and variants agree, across fields and records'],
  [/listed more than once|already taken/, 'no id or name twice in one list'],
  [/^Address is invalid$/, 'a webhook address is http(s) without credentials (where it may point: the use case)'],
  [/^(?:Image \d+: )?Src must be a valid URL$/, 'an image src is http(s) or protocol-relative'],
  [/too many sources/, 'at most so many srcs downloaded per request'],
  [/^Forbidden|subscriptions/, 'the token and the store, not the body'],
  [/^Inventory policy can't be blank$/, 'required on create while inventory_tracking is true: a rule across fields'],
  [/^Image \d+: Src can't be blank$/, "a product update's image entry without an id is a new image: src required, a rule across fields"],
];

// Prices are multiples of 0.01: without a precision, 19.99 / 0.01 is not a whole number in floating point.
const ajv = new Ajv2020({ strict: false, multipleOfPrecision: 4 });
(addFormats as unknown as (ajv: Ajv2020) => void)(ajv);

/** Valid srcs: the schema only states a string; ingestion is off, so nothing is fetched. */
const OVERRIDES = { src: fc.constantFrom('https://img.example.com/a.jpg', '//cdn.example.com/b.png') };

const bodyTaking = OPERATIONS.filter((operation) => operation.body !== undefined);

const RUNS = 25;
/** A list entry's messages start with its place (`Image 2: `, docs/contract.md); the rest is the field's message. */
const ITEM_PREFIX = /^(Image|Variant|Option) \d+: /;

describe('bodies generated from the declared schemas, through the server', () => {
  let api: TestApi;
  let ids: Record<string, string>;

  beforeAll(async () => {
    api = await startApi('sqlite');
  });
  /** Records for the path's ids, made afresh for each operation (a product update may delete the image). */
  const freshIds = async () => {
    const { id, imageIds } = await api.product(1);
    const product = (await api.call('GET', `products/${id}`)).json().product;
    const webhook = (await api.call('POST', 'webhooks', { topic: 'products/update', address: 'https://hooks.example.com/a' })).json().webhook;
    ids = { product_id: id, image_id: imageIds[0]!, variant_id: product.variants[0].id, webhook_id: webhook.id };
  };
  afterAll(async () => {
    await api?.close();
  });

  const send = async (operation: AnyOperation, version: ApiVersion, body: unknown) => {
    const path = operation.path.replace(/:(\w+)/g, (_, name: string) => ids[name]!);
    const res = await api.app.inject({
      method: operation.method,
      url: `/openapi/${version.name}${path}`,
      headers: { 'access-token': api.token, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    return { status: res.statusCode, json: res.json() as Record<string, any> };
  };

  /** The messages of a refusal in the version's error shape (fails when it is not that shape). */
  const messagesOf = (version: ApiVersion, json: Record<string, any>): string[] => {
    if (version.errors === 'envelope') {
      expect(Object.keys(json).sort()).toEqual(['code', 'message']);
      return String(json.message).split('; ');
    }
    expect(Object.keys(json)).toEqual(['errors']);
    return json.errors as string[];
  };

  describe.each(API_VERSIONS.map((version) => [version.name, version] as const))('%s', (_name, version) => {
    it.each(bodyTaking.map((operation) => [operation.id, operation] as const))('%s: refused bodies answer listed messages; accepted ones are not refused for their shape', async (_id, operation) => {
      await freshIds();
      const schema = bodyOf(operation, version)!;
      const validate = ajv.compile(schema);
      const valid = valueOf(schema, OVERRIDES);
      const bodies = fc.oneof(
        { weight: 1, arbitrary: valid },
        { weight: 3, arbitrary: fc.tuple(valid, fc.constantFrom(...mutationsOf(schema))).map(([body, mutation]) => mutate(body, mutation)) },
      );
      // Every disagreement found, so one run names them all (fast-check's shrinking would stop at the first).
      const problems = new Set<string>();
      await fc.assert(
        fc.asyncProperty(bodies, async (body) => {
          const accepted = validate(body);
          const { status, json } = await send(operation, version, body);
          if (status === 200) {
            if (!accepted) problems.add(`the schema refuses a body the server takes: ${JSON.stringify(body)} (${ajv.errorsText(validate.errors)})`);
            return;
          }
          if (status !== 400 && status !== 422) problems.add(`${status} for ${JSON.stringify(body)}`);
          const messages = messagesOf(version, json);
          for (const message of messages) if (!listedInContract(message) && !listedInContract(message.replace(ITEM_PREFIX, '')) && !listedInContract(message.replace(ITEM_PREFIX, '$1 1: '))) problems.add(`not in docs/contract.md: ${message}`);
          const shapeOnly = messages.filter((message) => !BEYOND_THE_SCHEMA.some(([pattern]) => pattern.test(message)));
          if (accepted && shapeOnly.length > 0) problems.add(`refused for its shape though the schema accepts it: ${JSON.stringify(body)}: ${shapeOnly.join('; ')}`);
        }),
        { numRuns: RUNS },
      );
      expect([...problems]).toEqual([]);
    });
  });
});
