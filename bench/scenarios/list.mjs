// 2. GET the image list of a product with 50 images, against a ceiling serving the same bytes.
import { startCeiling } from '../lib/baselines.mjs';
import { byName, compare, httpSystem, pairedRatio, target } from '../lib/measure.mjs';
import { API } from '../lib/prodimg.mjs';
import { readSystems } from '../lib/read-systems.mjs';

export const id = '2';
export const title = 'GET image list (50 images)';

export async function run(ctx) {
  const { sqlite, body, prodimg } = await readSystems(ctx, (catalog) => `${API}/products/${catalog.product.id}/images`);
  const ceiling = await ctx.track(startCeiling('ceiling (list bytes)', body, ctx.tmp));
  ctx.note(`list response: ${body.length} bytes`);
  const systems = [httpSystem('ceiling (list bytes)', 'baseline', ceiling, { url: ceiling.base + sqlite.path }), ...prodimg];

  const rows = await compare(ctx.settings, systems, ctx.log);
  const top = byName(rows, 'ceiling (list bytes)');
  const targets = rows
    .filter((r) => r.role === 'prodimg')
    .map((r) => target(`${r.name}: req/s vs ceiling`, pairedRatio(r, top), '>=', 0.35));
  return { rows, targets };
}
