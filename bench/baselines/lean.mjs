// Lean baseline: Fastify + better-sqlite3, one prepared statement, no auth, against prodimg's own
// SQLite file. What a minimal hand-written service on the same stack and data would do.
// Usage: node lean.mjs --port <p> --db <prodimg.sqlite>
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string' }, db: { type: 'string' } } });
const db = new Database(values.db, { fileMustExist: true });
const byId = db.prepare(
  'SELECT id, product_id, position, src, path, width, height, alt, created_at, updated_at FROM images WHERE id = ? AND product_id = ?',
);

const image = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    product_id: { type: 'string' },
    position: { type: 'integer' },
    src: { type: 'string' },
    path: { type: 'string' },
    width: { type: 'integer' },
    height: { type: 'integer' },
    alt: { type: 'string' },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
};

const app = Fastify({ logger: false });
app.get(
  '/openapi/:version/products/:product_id/images/:image_id',
  { schema: { response: { 200: { type: 'object', properties: { image } } } } },
  async (request, reply) => {
    const row = byId.get(request.params.image_id, request.params.product_id);
    if (row === undefined) return reply.code(404).send({ errors: ['Not Found'] });
    return { image: row };
  },
);
await app.listen({ port: Number(values.port), host: '127.0.0.1' });
