import SerializerSelector from '@fastify/fast-json-stringify-compiler';

/**
 * Fastify's own response serializers (fast-json-stringify, from each route's declared schema),
 * each compiled on its route's first answer instead of at start-up: every operation has a route per
 * API version, and compiling them all was most of a start (an app test suite's stand-in starts
 * often). What is compiled, and so what is answered, is the same.
 */
export function lazySerializers(): { buildSerializer: SerializerSelector.SerializerFactory } {
  const eager = SerializerSelector();
  return {
    buildSerializer(externalSchemas, options) {
      const compile = eager(externalSchemas, options);
      return (route) => {
        let serialize: SerializerSelector.Serializer | undefined;
        return (doc) => (serialize ??= compile(route))(doc);
      };
    },
  };
}
