// 11. A resized variant through nginx as the caching CDN (deploy/nginx.conf) against the same nginx
// serving those bytes as a static file: what prodimg's caching headers let a proxy in front do.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOrigin } from '../lib/baselines.mjs';
import { makeJpeg } from '../lib/images.mjs';
import { call, callOk } from '../lib/load.mjs';
import { compare, httpSystem, pairedRatio, target } from '../lib/measure.mjs';
import { nginxUnavailable, startProxy, startStatic } from '../lib/nginx.mjs';
import { API, createShopAndToken } from '../lib/prodimg.mjs';
import { INGEST_ENV } from './ingest.mjs';

export const id = '11';
export const title = 'Cached variant through nginx (deploy/nginx.conf)';

export async function run(ctx) {
  const missing = nginxUnavailable();
  if (missing) ctx.notAvailable(missing);
  // nginx's workers run as `nobody`: they must reach the folders below.
  chmodSync(ctx.tmp, 0o755);
  const originDir = join(ctx.tmp, 'origin');
  mkdirSync(originDir);
  const origin = await ctx.track(startOrigin(originDir));
  writeFileSync(join(originDir, 'photo.jpg'), await makeJpeg(1, 7));

  const store = await ctx.store('sqlite', INGEST_ENV);
  const token = await createShopAndToken(store);
  const server = await ctx.serve(store);
  const body = { product: { title: 'behind nginx', images: [{ src: `${origin.base}/photo.jpg` }] } };
  const product = (await callOk(server.base, { method: 'POST', path: `${API}/products`, token, body })).json.product;
  const variant = `/cdn/${product.images[0].path.replace(/\.jpg$/, '')}_400x.jpg?format=webp`;

  const proxy = await ctx.track(startProxy(server.base, join(ctx.tmp, 'proxy')));
  const first = await call(proxy.base, { path: variant });
  const second = await call(proxy.base, { path: variant });
  if (first.status !== 200 || second.status !== 200) throw new Error(`${variant} through nginx answered ${first.status}, then ${second.status}`);
  if (second.headers['x-cache-status'] !== 'HIT') throw new Error(`the second GET of ${variant} was not a cache hit: X-Cache-Status ${second.headers['x-cache-status']}`);

  // The static twin: the variant's bytes as a file of the same nginx.
  const staticRoot = join(ctx.tmp, 'static');
  mkdirSync(staticRoot);
  writeFileSync(join(staticRoot, 'variant.webp'), second.bytes);
  const plain = await ctx.track(startStatic(staticRoot, join(ctx.tmp, 'static-nginx')));

  const rows = await compare(
    ctx.settings,
    [httpSystem('nginx static file', 'baseline', plain, { url: `${plain.base}/variant.webp` }), httpSystem('prodimg variant via nginx cache', 'prodimg', proxy, { url: proxy.base + variant })],
    ctx.log,
  );
  ctx.note(`variant ${second.bytes.length} bytes; the second GET through nginx: X-Cache-Status ${second.headers['x-cache-status']}`);
  return {
    rows,
    targets: [target('cached variant via nginx req/s vs nginx static file', pairedRatio(rows[1], rows[0]), '>=', 0.8)],
  };
}
