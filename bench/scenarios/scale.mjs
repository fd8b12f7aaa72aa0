// 5. Scale: GET details and list with a small and a large seeded database (10k and 2M images;
// 10k and 200k in --quick), on SQLite. Throughput should not fall with size, nor memory grow with it.
import { compare, httpSystem, pairedRatio, target } from '../lib/measure.mjs';
import { API, cli, lastLine } from '../lib/prodimg.mjs';

export const id = '5';
export const title = 'Scale (seeded database)';

const label = (n) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);

/** Seeds a fresh SQLite store with `images` images and serves it. */
async function seeded(ctx, images) {
  const store = await ctx.store('sqlite');
  const started = Date.now();
  let out;
  try {
    out = await cli(['seed', '--images', String(images)], store.env, { timeoutMs: 15 * 60_000 });
  } catch (error) {
    if (error.status === 2 && /unknown command|error: /i.test(error.stderr ?? '')) {
      ctx.notAvailable(`\`prodimg seed\` is refused: ${(error.stderr ?? '').trim().split('\n')[0]}`);
    }
    throw error;
  }
  const seed = JSON.parse(lastLine(out));
  ctx.note(`seeded ${label(images)} images in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const server = await ctx.serve(store, { name: `prodimg ${label(images)}` });
  return { images, seed, server };
}

export async function run(ctx) {
  const [small, large] = ctx.settings.scaleSizes;
  if (ctx.settings.quick) ctx.note(`--quick: ${label(large)} images instead of 2M`);
  const dbs = await Promise.all([seeded(ctx, small), seeded(ctx, large)]);
  const systems = [];
  for (const kind of ['details', 'list']) {
    for (const { images, seed, server } of dbs) {
      const path = `${API}/products/${seed.product_id}/images${kind === 'details' ? `/${seed.image_id}` : ''}`;
      systems.push(httpSystem(`prodimg ${kind} @${label(images)}`, 'prodimg', server, { url: server.base + path, headers: { 'access-token': seed.token } }));
    }
  }
  const rows = await compare(ctx.settings, systems, ctx.log);
  const [detailsSmall, detailsLarge, listSmall, listLarge] = rows;
  return {
    rows,
    targets: [
      target(`details req/s @${label(large)} vs @${label(small)}`, pairedRatio(detailsLarge, detailsSmall), '>=', 0.85),
      target(`list req/s @${label(large)} vs @${label(small)}`, pairedRatio(listLarge, listSmall), '>=', 0.85),
      target(`peak RSS of the server @${label(large)}`, detailsLarge.peakRssMiB, '<', 200, 'MiB'),
    ],
  };
}
