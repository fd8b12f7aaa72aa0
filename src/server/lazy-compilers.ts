import { createRequire } from 'node:module';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type Validate = ((data: unknown) => unknown) & { errors?: unknown };
type ValidatorFactory = (externalSchemas: unknown, options: unknown) => (route: unknown) => Validate;
type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

const require = createRequire(import.meta.url);

/**
 * Fastify's own compilers (fast-json-stringify for the answers, Ajv for the admin endpoints'
 * requests), each route's compiled on its first use instead of at start-up: every operation has a
 * route per API version, and compiling them all (and loading Ajv) was most of a start, which an app
 * test suite's stand-in makes often. What is compiled, and so what is answered or refused, is the same.
 */
export function lazyCompilers(): CompilersFactory {
  const eagerSerializers = SerializerSelector();
  let eagerValidators: ValidatorFactory | undefined;
  return {
    buildSerializer(externalSchemas, options) {
      const compile = eagerSerializers(externalSchemas, options);
      return (route) => {
        let serialize: SerializerSelector.Serializer | undefined;
        return (doc) => (serialize ??= compile(route))(doc);
      };
    },
    // Typed as Fastify's (an Ajv validate function); Fastify calls it and reads only `errors`.
    buildValidator: ((externalSchemas: unknown, options: unknown) => {
      let compile: ((route: unknown) => Validate) | undefined;
      return (route: unknown) => {
        let validate: Validate | undefined;
        // Fastify reads a refusal's reasons from the function it called: they are copied onto it.
        const lazy: Validate = (data) => {
          // Fastify's own compiler, loaded (with Ajv) by the first request that needs it.
          eagerValidators ??= (require('@fastify/ajv-compiler') as () => ValidatorFactory)();
          compile ??= eagerValidators(externalSchemas, options);
          validate ??= compile(route);
          const result = validate(data);
          lazy.errors = validate.errors;
          return result;
        };
        return lazy;
      };
    }) as unknown as CompilersFactory['buildValidator'],
  };
}
