import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/contract/openapi-document.js';
import { OPERATIONS } from '../../src/contract/operations/index.js';
import { API_VERSIONS } from '../../src/contract/versions.js';
import { documentValidator, operationOf } from '../support/openapi.js';

const SERVERS = { baseDomain: 'myshoplaza.localhost', port: 8080, bodyLimit: 1024 * 1024 };

describe.each(API_VERSIONS.map((version) => [version.name, version] as const))('the OpenAPI document of %s', (name, version) => {
  const document = openApiDocument(version, SERVERS) as any;

  it('is valid OpenAPI 3.1 (swagger-parser)', async () => {
    const api = await SwaggerParser.validate(structuredClone(document));
    expect(api.info.version).toBe(name);
    expect(document.openapi).toBe('3.1.0');
  });

  it("names the Access-Token scheme and the platform's server shape besides plain loopback", () => {
    expect(document.components.securitySchemes.AccessToken).toMatchObject({ type: 'apiKey', in: 'header', name: 'Access-Token' });
    expect(document.security).toEqual([{ AccessToken: [] }]);
    expect(document.servers.map((server: { url: string }) => server.url)).toEqual([
      'http://{subdomain}.myshoplaza.localhost:{port}',
      'http://127.0.0.1:{port}',
    ]);
    expect(document.servers[0].variables.port.default).toBe('8080');
  });

  it.each(['createWebhook', 'updateWebhook'])("states %s's body in this version's shape only, with an example of its refusal", (id) => {
    const { operation } = operationOf(document, id)!;
    const schema = operation.requestBody.content['application/json'].schema;
    expect(schema.anyOf).toBeUndefined();
    if (version.webhookBody === 'wrapped') expect(Object.keys(schema.properties)).toEqual(['webhook']);
    else expect(Object.keys(schema.properties)).toEqual(['topic', 'address', 'format']);
    if (id === 'createWebhook') {
      const example = JSON.stringify(operation.responses[version.errors === 'classic' ? '422' : '400'].content['application/json'].examples['Invalid body']);
      expect(example).toContain('Address is invalid');
    }
  });

  it.each(OPERATIONS.map((op) => [op.id, op] as const))('documents %s fully', (_id, op) => {
    const found = operationOf(document, op.id);
    expect(found, `${op.id} is in the document`).toBeDefined();
    const { operation, path, method } = found!;
    expect(method).toBe(op.method.toLowerCase());
    expect(path).toBe(`/openapi/${name}${op.path.replace(/:(\w+)/g, '{$1}')}`);
    expect(operation.summary).toBe(op.summary);
    expect(operation.description).toContain(op.description);
    expect(operation.description).toContain(op.scope ? `Requires \`${op.scope}\` access scope.` : 'Any valid token');
    expect(operation.tags).toEqual([op.tag]);
    for (const name of Object.keys(op.params.properties)) {
      const parameter = operation.parameters.find((p: { name: string; in: string }) => p.name === name && p.in === 'path');
      // The shop's id is a plain string: a malformed one is not found rather than refused.
      expect(parameter, name).toMatchObject({ required: true, schema: { type: 'string', ...(op.id === 'getShopById' ? {} : { format: 'uuid' }) } });
      expect(parameter.example).toMatch(/^[0-9a-f-]{36}$/);
    }
    if (op.body) expect(operation.requestBody.content['application/json'].schema).toBeDefined();
    expect(operation.responses['200'].content['application/json'].schema).toBeDefined();
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '401', '500', '503']));
  });

  it('gives every error response examples that its own schema accepts', () => {
    const validator = documentValidator(document);
    let checked = 0;
    for (const op of OPERATIONS) {
      const { operation } = operationOf(document, op.id)!;
      for (const [status, response] of Object.entries<any>(operation.responses)) {
        if (status === '200') continue;
        const examples = Object.values<{ value: unknown }>(response.content['application/json'].examples);
        expect(examples.length, `${op.id} ${status}`).toBeGreaterThan(0);
        for (const { value } of examples) {
          expect(validator.problems(op.id, Number(status), value), `${op.id} ${status} ${JSON.stringify(value)}`).toEqual([]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(OPERATIONS.length * 4);
  });
});

describe('the 2022-01 document, against the platform reference', () => {
  const document = openApiDocument(API_VERSIONS.find((version) => version.name === '2022-01')!, SERVERS) as any;
  const { operation } = operationOf(document, 'getProductImage')!;
  const examples = (status: string) => Object.values<{ value: unknown }>(operation.responses[status].content['application/json'].examples).map((e) => e.value);

  it("answers Get Product Image Details' errors with the platform's bodies", () => {
    expect(examples('422')).toEqual(
      expect.arrayContaining([{ errors: ['Record not found'] }, { errors: ['ProductId must be a valid UUID', 'ImageId must be a valid UUID'] }]),
    );
    expect(examples('401')).toEqual(expect.arrayContaining([{ errors: ['Unauthorized'] }, { error: 'store is not active' }]));
  });

  it('describes the image object field by field, with examples', () => {
    const image = document.components.schemas.Image;
    expect(Object.keys(image.properties)).toEqual(['id', 'product_id', 'position', 'src', 'path', 'width', 'height', 'alt', 'created_at', 'updated_at']);
    for (const [field, schema] of Object.entries<any>(image.properties)) {
      expect(schema.description, field).toBeTruthy();
      expect(schema.examples, field).toHaveLength(1);
    }
  });
});
