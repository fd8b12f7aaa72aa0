import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

type Document = { paths: Record<string, Record<string, any>> };

/** An operation of an OpenAPI document by its operationId, with its path and method. */
export function operationOf(document: Document, id: string): { path: string; method: string; operation: any } | undefined {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) if (operation?.operationId === id) return { path, method, operation };
  }
  return undefined;
}

const pointer = (...parts: string[]) => parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/**
 * Checks bodies against what a document says an operation answers: a JSON Schema 2020-12 validator
 * (the dialect of OpenAPI 3.1) over the document itself, so `$ref`s resolve as a client's would.
 */
export function documentValidator(document: Document) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
  const id = 'urn:prodimg:openapi';
  ajv.addSchema(document, id);
  const compiled = new Map<string, ValidateFunction>();
  return {
    /** The statuses documented for an operation. */
    statuses(operationId: string): number[] {
      return Object.keys(operationOf(document, operationId)!.operation.responses).map(Number);
    },
    /** Why `body` is not what the document says `operationId` answers with `status`; [] when it is. */
    problems(operationId: string, status: number, body: unknown): string[] {
      const found = operationOf(document, operationId);
      if (!found) return [`${operationId} is not documented`];
      if (!found.operation.responses[String(status)]) return [`${operationId} does not document status ${status}`];
      const key = `${operationId} ${status}`;
      let validate = compiled.get(key);
      if (!validate) {
        const ref = `${id}#/${pointer('paths', found.path, found.method, 'responses', String(status), 'content', 'application/json', 'schema')}`;
        validate = ajv.compile({ $ref: ref });
        compiled.set(key, validate);
      }
      return validate(body) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
    },
    /** The examples documented for a status (each an exact body). */
    examples(operationId: string, status: number): unknown[] {
      const response = operationOf(document, operationId)?.operation.responses[String(status)];
      return Object.values<{ value: unknown }>(response?.content['application/json'].examples ?? {}).map((example) => example.value);
    },
  };
}
