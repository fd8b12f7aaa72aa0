import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { ADMIN_API } from './admin-api.js';

/** The page's own folder, at the package root beside src/ and dist/ (three levels up from both). */
const WEB_DIR = new URL('../../../web/admin/', import.meta.url);

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };
/** The files index.html names as `{{name}}`; each is served under a name holding its content hash. */
const ASSETS = ['admin.js', 'admin.css'];

/**
 * Nothing from elsewhere: scripts, styles and fonts only from this server, no inline script or style,
 * no framing. Images may come from anywhere a product's external URL points.
 */
export const ADMIN_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "font-src 'self'",
  "img-src 'self' data: blob: https: http:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

interface Asset {
  body: Buffer;
  type: string;
}

/**
 * Reads web/admin once: hashed names for the assets (cached for a year), the HTML naming them and the
 * admin API's root, which admin.js reads from it (revalidated each time).
 */
export function loadAdminPage(): { html: Asset & { etag: string }; assets: Map<string, Asset> } {
  const assets = new Map<string, Asset>();
  let html = readFileSync(new URL('index.html', WEB_DIR), 'utf8').replaceAll('{{admin-api}}', ADMIN_API);
  for (const name of ASSETS) {
    const body = readFileSync(new URL(name, WEB_DIR));
    const dot = name.lastIndexOf('.');
    const hashed = `${name.slice(0, dot)}.${createHash('sha256').update(body).digest('hex').slice(0, 12)}${name.slice(dot)}`;
    assets.set(hashed, { body, type: TYPES[name.slice(dot)]! });
    html = html.replaceAll(`{{${name}}}`, `/admin/assets/${hashed}`);
  }
  const body = Buffer.from(html);
  return { html: { body, type: 'text/html; charset=utf-8', etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"` }, assets };
}

/** GET /admin (the page) and /admin/assets/<name>.<hash>.<ext>. */
export function registerAdminAssets(app: FastifyInstance): void {
  const page = loadAdminPage();
  const secure = { 'content-security-policy': ADMIN_CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };
  app.get('/admin', async (request, reply) => {
    reply.headers({ ...secure, 'cache-control': 'no-cache', etag: page.html.etag });
    if (request.headers['if-none-match'] === page.html.etag) return reply.code(304).send();
    return reply.type(page.html.type).send(page.html.body);
  });
  app.get('/admin/assets/:name', async (request, reply) => {
    const asset = page.assets.get((request.params as { name: string }).name);
    if (!asset) return reply.code(404).headers(secure).send({ errors: ['Not Found'] });
    return reply.headers({ ...secure, 'cache-control': 'public, max-age=31536000, immutable' }).type(asset.type).send(asset.body);
  });
}
