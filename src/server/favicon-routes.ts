import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The icon of /admin and /docs: a few bytes of hand-written SVG, at the package root beside src/ and dist/. */
const FAVICON = new URL('../../web/favicon.svg', import.meta.url);

/**
 * `/favicon.svg`, which /admin and /docs name in their `<link rel="icon">`, and the same icon at
 * `/favicon.ico`, which browsers ask for on any other page (an OAuth page, a document opened in a
 * tab) and which would otherwise be a 404 in every console.
 */
export function registerFaviconRoutes(app: FastifyInstance): void {
  const body = readFileSync(FAVICON);
  const send = async (_request: FastifyRequest, reply: FastifyReply) =>
    reply.headers({ 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400', 'x-content-type-options': 'nosniff' }).send(body);
  app.get('/favicon.svg', send);
  app.get('/favicon.ico', send);
}
